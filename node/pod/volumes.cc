#include "node/pod/volumes.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <set>

#include "api/quantity.h"
#include "node/pod/atomic_writer.h"
#include "node/pod/volume_payload.h"
#include "node/runtime/fs.h"

namespace skiff::node {
namespace {

bool IsMountPoint(const std::string& dir) {
  struct stat st, parent;
  if (stat(dir.c_str(), &st) != 0) return false;
  std::string up = dir + "/..";
  if (stat(up.c_str(), &parent) != 0) return false;
  return st.st_dev != parent.st_dev;
}

bool IsProjection(const api::Volume& v) {
  return v.has_secret() || v.has_config_map() || v.has_projected() || v.has_downward_api();
}

bool IsMemoryEmptyDir(const api::Volume& v) {
  return v.has_empty_dir() && v.empty_dir().medium() == "Memory";
}

const char* TypeName(const api::Volume& v) {
  if (v.has_nfs()) return "nfs";
  if (v.has_persistent_volume_claim()) return "persistentVolumeClaim";
  if (v.has_downward_api()) return "downwardAPI";
  if (v.has_csi()) return "csi";
  if (v.has_ephemeral()) return "ephemeral";
  if (v.has_image()) return "image";
  return "this";
}

Result<std::string> RealPath(const std::string& path) {
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) == nullptr) return ErrnoStatus("resolve", path, errno);
  return std::string(buf);
}

size_t Depth(const std::string& path) {
  return static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
}

// 0777 (kubelet's emptyDir mode, whatever the umask); with an fsGroup also
// that group and the setgid bit, so files created inside inherit the group.
Status SetEmptyDirOwnership(const std::string& dir, int64_t fs_group) {
  if (fs_group >= 0 &&
      chown(dir.c_str(), static_cast<uid_t>(-1), static_cast<gid_t>(fs_group)) != 0) {
    return ErrnoStatus("chown", dir, errno);
  }
  if (chmod(dir.c_str(), fs_group >= 0 ? 02777 : 0777) != 0)
    return ErrnoStatus("chmod", dir, errno);
  return Status::Ok();
}

// kubelet's hostPath type checks; the *OrCreate types create what is
// missing (a directory 0755 with its parents; an empty file 0644 whose
// parent must exist).
Status CheckHostPath(const api::HostPathVolumeSource& hp) {
  const std::string& path = hp.path();
  if (path.empty() || path.front() != '/') {
    return InvalidArgument("hostPath.path \"" + path + "\" must be absolute");
  }
  const std::string type = hp.type();
  struct stat st;
  bool exists = stat(path.c_str(), &st) == 0;
  if (type.empty()) return Status::Ok();
  if (type == "DirectoryOrCreate" && !exists) return MakeDirs(path, 0755);
  if (type == "FileOrCreate" && !exists) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 && errno != EEXIST) return ErrnoStatus("create", path, errno);
    if (fd >= 0) close(fd);
    exists = stat(path.c_str(), &st) == 0;
  }
  struct Kind {
    const char* type;
    mode_t format;
    const char* what;
  };
  static constexpr Kind kKinds[] = {
      {"DirectoryOrCreate", S_IFDIR, "a directory"}, {"Directory", S_IFDIR, "a directory"},
      {"FileOrCreate", S_IFREG, "a file"},           {"File", S_IFREG, "a file"},
      {"Socket", S_IFSOCK, "a socket file"},         {"CharDevice", S_IFCHR, "a character device"},
      {"BlockDevice", S_IFBLK, "a block device"},
  };
  for (const Kind& k : kKinds) {
    if (type != k.type) continue;
    if (!exists || (st.st_mode & S_IFMT) != k.format) {
      return FailedPrecondition("hostPath type check failed: " + path + " is not " + k.what);
    }
    return Status::Ok();
  }
  return InvalidArgument("hostPath.type \"" + type +
                         "\" is not one of DirectoryOrCreate, "
                         "Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice");
}

}  // namespace

bool IsSupportedVolume(const api::Volume& volume) {
  return IsProjection(volume) || volume.has_empty_dir() || volume.has_host_path();
}

PodVolumes::PodVolumes(std::string pod_dir) : pod_dir_(std::move(pod_dir)) {}

std::string PodVolumes::VolumeDir(const api::Volume& volume) const {
  if (volume.has_host_path()) return volume.host_path().path();
  if (volume.has_empty_dir() && !IsMemoryEmptyDir(volume)) {
    return pod_dir_ + "/empty-dirs/" + volume.name();
  }
  return pod_dir_ + "/volumes/" + volume.name();
}

Status PodVolumes::EnsureTmpfs(const std::string& dir, const std::string& options) {
  SKIFF_RETURN_IF_ERROR(MakeDirs(dir, 0755));
  if (IsMountPoint(dir)) return Status::Ok();  // mounted before an agent restart
  if (mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    return ErrnoStatus("mount tmpfs", dir, errno);
  }
  return Status::Ok();
}

Status PodVolumes::SetUp(const api::Pod& pod, const EnvSources& sources) {
  std::set<std::string> mounted;
  for (const auto* list : {&pod.spec().init_containers(), &pod.spec().containers()}) {
    for (const auto& c : *list) {
      for (const auto& m : c.volume_mounts())
        mounted.insert(m.name());
    }
  }
  Status first = Status::Ok();
  auto failed = [&](const std::string& volume, const std::string& message) {
    if (first.ok()) {
      first =
          FailedPrecondition("MountVolume.SetUp failed for volume \"" + volume + "\" : " + message);
    }
  };
  // fsGroup, as kubelet's SetVolumeOwnership: the group owns the files, which it may read
  // (read-only volumes: mode |= 0440); emptyDirs get the group and the setgid bit.
  const auto& psc = pod.spec().security_context();
  int64_t fs_group = psc.has_fs_group() ? psc.fs_group() : -1;
  bool need_tmpfs = false;
  for (const auto& v : pod.spec().volumes())
    need_tmpfs = need_tmpfs || IsProjection(v);
  if (need_tmpfs) {
    Status st = EnsureTmpfs(pod_dir_ + "/volumes", "mode=0755");
    if (!st.ok()) return FailedPrecondition("MountVolume.SetUp failed: " + st.message());
  }
  for (const auto& v : pod.spec().volumes()) {
    // The API allows only DNS labels; a name is a directory name here, so check again.
    if (v.name().empty() || v.name().find('/') != std::string::npos || v.name() == "." ||
        v.name() == "..") {
      failed(v.name(), "invalid volume name");
      continue;
    }
    std::string dir = VolumeDir(v);
    if (IsProjection(v)) {
      auto payload = ComputeVolumePayload(pod, v, sources);
      if (!payload.ok()) {
        failed(v.name(), payload.status().message());
        continue;
      }
      if (fs_group >= 0) {
        for (auto& [path, file] : *payload)
          file.mode |= 0440;
      }
      Status st = MakeDirs(dir, 0755);
      if (st.ok()) st = WriteVolumeAtomically(dir, *payload, fs_group).status();
      if (!st.ok()) failed(v.name(), st.message());
    } else if (v.has_empty_dir()) {
      Status st = Status::Ok();
      if (IsMemoryEmptyDir(v)) {
        std::string options = "mode=0777";
        if (v.empty_dir().has_size_limit()) {
          auto q = api::Quantity::Parse(v.empty_dir().size_limit());
          if (!q.ok()) {
            failed(v.name(), "emptyDir.sizeLimit: " + q.status().message());
            continue;
          }
          options += ",size=" + std::to_string(std::max<int64_t>(q->MilliValue() / 1000, 4096));
        }
        st = EnsureTmpfs(dir, options);
      } else if (!PathExists(dir)) {
        st = MakeDirs(dir, 0777);
      }
      if (st.ok()) st = SetEmptyDirOwnership(dir, fs_group);
      if (!st.ok()) failed(v.name(), st.message());
    } else if (v.has_host_path()) {
      if (mounted.count(v.name())) {
        Status st = CheckHostPath(v.host_path());
        if (!st.ok()) failed(v.name(), st.message());
      }
    } else if (mounted.count(v.name())) {
      failed(v.name(), std::string(TypeName(v)) + " volumes are not supported by skiff-agent");
    }
  }
  return first;
}

Result<std::vector<MountSpec>> PodVolumes::MountsFor(const api::Pod& pod,
                                                     const api::Container& container) const {
  std::vector<MountSpec> out;
  for (int i = 0; i < container.volume_mounts_size(); ++i) {
    const auto& m = container.volume_mounts(i);
    std::string where = "container \"" + container.name() + "\": volumeMounts[" +
                        std::to_string(i) + "] (" + m.name() + ")";
    const api::Volume* volume = nullptr;
    for (const auto& v : pod.spec().volumes()) {
      if (v.name() == m.name()) volume = &v;
    }
    if (volume == nullptr) return InvalidArgument(where + ": no volume named \"" + m.name() + "\"");
    if (!IsSupportedVolume(*volume)) {
      return InvalidArgument(where + ": " + TypeName(*volume) +
                             " volumes are not supported by skiff-agent");
    }
    if (m.mount_path().empty() || m.mount_path().front() != '/') {
      return InvalidArgument(where + ": mountPath \"" + m.mount_path() + "\" must be absolute");
    }
    std::string source = VolumeDir(*volume);
    if (!m.sub_path().empty()) {
      Status valid = ValidatePayloadPath(m.sub_path());
      if (!valid.ok()) return InvalidArgument(where + ": subPath: " + valid.message());
      std::string path = source + "/" + m.sub_path();
      if (!PathExists(path)) {
        if (!volume->has_empty_dir() && !volume->has_host_path()) {
          return InvalidArgument(where + ": subPath \"" + m.sub_path() +
                                 "\" does not exist in the volume");
        }
        SKIFF_RETURN_IF_ERROR(MakeDirs(path, 0777));
      }
      // Resolved now: a symlink planted in a writable volume must not reach
      // outside it (kubelet's subPath checks).
      auto real = RealPath(path);
      auto root = RealPath(source);
      if (!real.ok()) return real.status();
      if (!root.ok()) return root.status();
      if (*real != *root && !real->starts_with(*root + "/")) {
        return InvalidArgument(where + ": subPath \"" + m.sub_path() +
                               "\" resolves outside the volume");
      }
      source = *real;
    }
    out.push_back({source, m.mount_path(), m.read_only() || IsProjection(*volume)});
  }
  std::stable_sort(out.begin(), out.end(), [](const MountSpec& a, const MountSpec& b) {
    return Depth(a.target) < Depth(b.target);
  });
  return out;
}

Status PodVolumes::TearDown() {
  std::vector<std::string> mounts;
  std::string volumes = pod_dir_ + "/volumes";
  for (const auto& name : ListDir(volumes)) {
    std::string dir = volumes + "/" + name;
    if (IsMountPoint(dir)) mounts.push_back(dir);  // memory emptyDirs
  }
  if (IsMountPoint(volumes)) mounts.push_back(volumes);
  for (const auto& dir : mounts) {
    if (umount2(dir.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
      return ErrnoStatus("unmount", dir, errno);
    }
  }
  SKIFF_RETURN_IF_ERROR(RemoveTree(volumes));
  return RemoveTree(pod_dir_ + "/empty-dirs");
}

}  // namespace skiff::node
