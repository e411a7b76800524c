// PodVolumes: a pod's secret, configMap, downwardAPI, projected, emptyDir
// and hostPath volumes on this node, and the bind mounts that put them into
// its containers.
//
// Layout under the pod's directory (POD = ROOT/pods/<uid>):
//   POD/volumes/              one tmpfs per pod (secrets never touch disk)
//   POD/volumes/<name>/       secret / configMap / downwardAPI / projected: AtomicWriter
//                             layout (atomic_writer.h); emptyDir with
//                             medium Memory (mode 0777)
//   POD/empty-dirs/<name>/    emptyDir on disk (mode 0777)
//
// SetUp publishes every volume's current payload (called on each pod sync,
// so Secret/ConfigMap and label/annotation changes reach the files); the tmpfs is mounted once
// and found again after an agent restart. MountsFor gives a container's
// bind mounts: secret/configMap/downwardAPI/projected always read-only (as
// kubelet mounts them), emptyDir and hostPath read-only when the volumeMount
// says so; a subPath
// mounts one entry, resolved once (not updated afterwards, as in
// Kubernetes) and refused when it resolves outside the volume. TearDown
// unmounts and removes everything.
//
// With spec.securityContext.fsGroup, as kubelet does: the files of secret,
// configMap and projected volumes belong to that group and are group-readable
// (mode |= 0440), emptyDirs belong to it with the setgid bit (02777).
//
// hostPath: the node's path itself, checked (and for DirectoryOrCreate /
// FileOrCreate created) as kubelet does for its `type`; a subPath below it
// that is missing is created as a directory, as for emptyDir.
//
// Volume types other than these are refused when a container mounts
// them (FailedMount), and ignored otherwise.
// Not thread-safe: the pod worker's thread only.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "node/pod/env.h"
#include "node/runtime/runtime.h"
#include "skiff/api/core.pb.h"

namespace skiff::node {

class PodVolumes {
 public:
  explicit PodVolumes(std::string pod_dir);

  // Publishes every volume. The error (FAILED_PRECONDITION) is kubelet's
  // FailedMount text for the first volume that failed, e.g.
  // `MountVolume.SetUp failed for volume "creds" : secret "db" not found`;
  // the other volumes are still published.
  Status SetUp(const api::Pod& pod, const EnvSources& sources);

  // The bind mounts of `container`, ordered parents first. INVALID_ARGUMENT
  // naming the volumeMount when it names no volume of the pod, an
  // unsupported type, or a bad subPath.
  Result<std::vector<MountSpec>> MountsFor(const api::Pod& pod,
                                           const api::Container& container) const;

  // Unmounts the tmpfs mounts and removes both trees. Idempotent.
  Status TearDown();

  // Where volume `name` lives (tests).
  std::string VolumeDir(const api::Volume& volume) const;

 private:
  Status EnsureTmpfs(const std::string& dir, const std::string& options);

  std::string pod_dir_;
};

// True when `volume` is a kind PodVolumes serves.
bool IsSupportedVolume(const api::Volume& volume);

}  // namespace skiff::node
