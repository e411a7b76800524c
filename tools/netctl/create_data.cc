#include "tools/netctl/create_data.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "api/names.h"

namespace skiff::netctl {
namespace {

namespace fs = std::filesystem;

std::string Join(const api::Problems& problems) {
  std::string out;
  for (const auto& p : problems)
    out += (out.empty() ? "" : "; ") + p;
  return out;
}

class Collector {
 public:
  explicit Collector(const std::string& owner) : owner_(owner) {}

  Status Add(const std::string& flag, const std::string& key, std::string value) {
    if (api::Problems p = api::CheckConfigMapKey(key); !p.empty()) {
      return InvalidArgument(flag + ": \"" + key + "\" is not a valid key name: " + Join(p));
    }
    if (!seen_.insert(key).second) {
      return InvalidArgument(flag + ": cannot add key \"" + key +
                             "\", another key by that name already exists in " + owner_);
    }
    out_.emplace_back(key, std::move(value));
    return Status::Ok();
  }

  std::vector<std::pair<std::string, std::string>> Take() { return std::move(out_); }

 private:
  std::string owner_;
  std::set<std::string> seen_;
  std::vector<std::pair<std::string, std::string>> out_;
};

Result<std::string> ReadAll(const std::string& flag, const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(flag + ": error reading " + path.string() + ": cannot open the file");
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return NotFound(flag + ": error reading " + path.string());
  return ss.str();
}

Status AddFile(Collector& c, const std::string& spec) {
  const std::string flag = "--from-file=" + spec;
  std::string key, path = spec;
  if (auto eq = spec.find('='); eq != std::string::npos) {
    key = spec.substr(0, eq);
    path = spec.substr(eq + 1);
    if (key.empty()) return InvalidArgument(flag + ": the key name before '=' is empty");
    if (path.empty()) return InvalidArgument(flag + ": the path after '=' is empty");
  }
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    return NotFound(flag + ": error reading " + path + ": no such file or directory");
  }
  if (fs::is_directory(status)) {
    if (!key.empty()) {
      return InvalidArgument(flag + ": cannot give a key name for a directory path");
    }
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(path, ec)) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
    if (ec) return NotFound(flag + ": error reading directory " + path + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      auto data = ReadAll(flag, f);
      if (!data.ok()) return data.status();
      SKIFF_RETURN_IF_ERROR(c.Add(flag, f.filename().string(), std::move(*data)));
    }
    return Status::Ok();
  }
  auto data = ReadAll(flag, path);
  if (!data.ok()) return data.status();
  return c.Add(flag, key.empty() ? fs::path(path).filename().string() : key, std::move(*data));
}

Status AddEnvFile(Collector& c, const std::string& path) {
  const std::string flag = "--from-env-file=" + path;
  auto text = ReadAll(flag, path);
  if (!text.ok()) return text.status();
  std::istringstream in(*text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (n == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // UTF-8 BOM
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t start = line.find_first_not_of(" \t\v\f");
    if (start == std::string::npos || line[start] == '#') continue;
    line.erase(0, start);
    std::string where = flag + ": line " + std::to_string(n);
    auto eq = line.find('=');
    std::string key = line.substr(0, eq);
    if (api::Problems p = api::CheckEnvVarName(key); !p.empty()) {
      return InvalidArgument(where + ": \"" + key + "\" is not a valid key name: " + Join(p));
    }
    if (eq == std::string::npos) {
      const char* env = std::getenv(key.c_str());
      if (!env) continue;
      SKIFF_RETURN_IF_ERROR(c.Add(where, key, env));
      continue;
    }
    SKIFF_RETURN_IF_ERROR(c.Add(where, key, line.substr(eq + 1)));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> CollectData(const DataSources& sources,
                                                                     const std::string& owner) {
  Collector c(owner);
  for (const auto& literal : sources.literals) {
    auto eq = literal.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgument("--from-literal=" + literal +
                             ": invalid literal source, expected key=value");
    }
    SKIFF_RETURN_IF_ERROR(
        c.Add("--from-literal=" + literal, literal.substr(0, eq), literal.substr(eq + 1)));
  }
  for (const auto& spec : sources.files)
    SKIFF_RETURN_IF_ERROR(AddFile(c, spec));
  for (const auto& path : sources.env_files)
    SKIFF_RETURN_IF_ERROR(AddEnvFile(c, path));
  return c.Take();
}

bool IsUtf8(const std::string& bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    int extra = c < 0x80           ? 0
                : (c >> 5) == 0x6  ? 1
                : (c >> 4) == 0xE  ? 2
                : (c >> 3) == 0x1E ? 3
                                   : -1;
    if (extra < 0) return false;
    uint32_t cp = extra == 0 ? c : c & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) {
      if (i + k >= bytes.size()) return false;
      unsigned char cc = static_cast<unsigned char>(bytes[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace skiff::netctl
