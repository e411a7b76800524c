#include "node/pod/logs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "node/runtime/fs.h"

namespace skiff::node {

std::string PodLogDir(const std::string& root, const std::string& ns, const std::string& name,
                      const std::string& uid) {
  return root + "/" + ns + "_" + name + "_" + uid;
}

std::string ContainerLogPath(const std::string& dir, const std::string& container, int attempt) {
  return dir + "/" + container + "/" + std::to_string(attempt) + ".log";
}

std::vector<int> LogAttempts(const std::string& dir, const std::string& container) {
  std::vector<int> out;
  for (const auto& f : ListDir(dir + "/" + container)) {
    if (f.size() < 5 || f.compare(f.size() - 4, 4, ".log") != 0) continue;
    std::string num = f.substr(0, f.size() - 4);
    if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos) continue;
    out.push_back(std::atoi(num.c_str()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

void PruneLogs(const std::string& dir, const std::string& container, size_t keep) {
  auto attempts = LogAttempts(dir, container);
  for (size_t i = 0; i + keep < attempts.size(); ++i) {
    unlink(ContainerLogPath(dir, container, attempts[i]).c_str());
  }
}

std::optional<std::string> FindPodLogDir(const std::string& root, const std::string& ns,
                                         const std::string& name, const std::string& uid) {
  if (!uid.empty()) {
    std::string d = PodLogDir(root, ns, name, uid);
    if (PathExists(d)) return d;
    return std::nullopt;
  }
  std::string prefix = ns + "_" + name + "_";
  std::optional<std::string> best;
  time_t best_time = 0;
  for (const auto& e : ListDir(root)) {
    if (e.rfind(prefix, 0) != 0) continue;
    // The uid has no '_', so the prefix match is exact.
    if (e.find('_', prefix.size()) != std::string::npos) continue;
    struct stat st;
    std::string d = root + "/" + e;
    if (stat(d.c_str(), &st) == 0 && (!best || st.st_mtime >= best_time)) {
      best = d;
      best_time = st.st_mtime;
    }
  }
  return best;
}

std::string TailLines(const std::string& text, int64_t lines) {
  if (lines < 0) return text;
  if (lines == 0) return "";
  size_t end = text.size();
  // A trailing newline ends the last line; it does not start another.
  size_t pos = end;
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  int64_t seen = 0;
  while (pos > 0) {
    if (text[pos - 1] == '\n' && ++seen == lines) return text.substr(pos);
    --pos;
  }
  return text;
}

}  // namespace skiff::node
