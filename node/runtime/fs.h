// Small file helpers for the agent's state: whole-file reads, atomic writes
// (temporary file + rename, so a crash never leaves a half-written file),
// recursive mkdir/remove. Errors name the path and the errno text.
// Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skiff::node {

// NOT_FOUND when the file does not exist.
Result<std::string> ReadFile(const std::string& path);
// Writes `data` to path.tmp.<pid> and renames it over `path`; `mode` applies
// to the new file. With `sync`, the data is fsync'ed before the rename.
Status WriteFileAtomic(const std::string& path, std::string_view data, int mode = 0644,
                       bool sync = false);
// Writes to an existing file (cgroup and sysfs knobs): open O_WRONLY|O_TRUNC.
Status WriteKnob(const std::string& path, std::string_view value);
// mkdir -p with `mode` for created directories.
Status MakeDirs(const std::string& path, int mode = 0755);
// Sets the "top of a directory hierarchy" attribute (chattr +T) on `dir`:
// ext4 then spreads its subdirectories over block groups instead of packing
// them next to their parent, so per-pod directories do not share a group
// whose recently deleted inodes every new file must skip (costly on an ext4
// without a journal). Best effort: false where the filesystem has no such
// attribute (tmpfs, xfs, ...) or on error.
bool MarkTopDir(const std::string& dir);
// rm -rf; absent is fine. Does not cross mount points (bind mounts inside
// are refused with FAILED_PRECONDITION rather than followed).
Status RemoveTree(const std::string& path);
// Entry names of a directory (no . and ..); empty when absent.
std::vector<std::string> ListDir(const std::string& path);
bool PathExists(const std::string& path);
// "<message>: <path>: <strerror(err)>".
Status ErrnoStatus(std::string_view what, const std::string& path, int err);

}  // namespace skiff::node
