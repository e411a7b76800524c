// Where container logs live: one file per container instance,
//   LOGS/<namespace>_<pod>_<uid>/<container>/<restartCount>.log
// holding the instance's stdout and stderr as written. The newest file is
// the current instance, the one before it the previous (--previous); older
// ones are removed when a new instance starts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace skiff::node {

std::string PodLogDir(const std::string& logs_root, const std::string& ns, const std::string& name,
                      const std::string& uid);
std::string ContainerLogPath(const std::string& pod_log_dir, const std::string& container,
                             int attempt);
// Attempt numbers with a log file, ascending.
std::vector<int> LogAttempts(const std::string& pod_log_dir, const std::string& container);
// Removes all but the newest `keep` files of a container.
void PruneLogs(const std::string& pod_log_dir, const std::string& container, size_t keep);
// The pod log directory for (ns, name) whatever the uid: the newest match.
std::optional<std::string> FindPodLogDir(const std::string& logs_root, const std::string& ns,
                                         const std::string& name, const std::string& uid = "");

// The last `lines` lines of `text` (all when lines < 0).
std::string TailLines(const std::string& text, int64_t lines);

}  // namespace skiff::node
