// AtomicWriter: publishes a VolumePayload into a volume directory so that a
// reader never sees a half-written set, as kubelet's AtomicWriter does:
//
//   DIR/..2024_05_01_10_00_00.123456789_XXXXXX/   the files of one version
//   DIR/..data -> ..2024_05_01_...                swapped with rename(2)
//   DIR/<key>  -> ..data/<key>                    what users open
//
// A new version is written in full to a fresh timestamped directory, then
// the `..data` symlink is replaced atomically (symlink ..data_tmp + rename),
// then user-visible symlinks are added or removed and the old version is
// deleted. A process holding a file open keeps the old bytes; a new open
// sees the whole new set. Symlinks are relative, so they resolve the same
// through a bind mount of DIR. Nothing is rewritten when the payload equals
// what is published (same paths, bytes and modes).
//
// Not thread-safe per directory: one writer per DIR at a time (the pod's
// worker thread).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "node/pod/volume_payload.h"

namespace skiff::node {

// Publishes `payload` into `dir` (which must exist). Returns true when the
// published set changed. `gid` >= 0: files and directories of the version
// belong to that group (the pod's fsGroup), a change of it is a change.
// Errors name the path; on error the previously published version stays in
// place.
Result<bool> WriteVolumeAtomically(const std::string& dir, const VolumePayload& payload,
                                   int64_t gid = -1);

}  // namespace skiff::node
