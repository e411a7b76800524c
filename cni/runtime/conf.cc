#include "cni/runtime/conf.h"

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "cni/spec/version.h"

namespace skiff::cni::runtime {
namespace {

std::string Where(std::string_view source) {
  return source.empty() ? std::string("network configuration") : std::string(source);
}

Status Bad(std::string_view source, const std::string& what) {
  return InvalidArgument(Where(source) + ": " + what);
}

Status CheckSupported(std::string_view source, const std::string& version) {
  if (IsSupportedVersion(version)) return Status::Ok();
  return FailedPrecondition(Where(source) + ": cniVersion \"" + version +
                            "\" is not supported (supported: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0)");
}

Status ReadBool(const json::Value& root, const char* key, std::string_view source, bool* out) {
  const json::Value* v = root.Find(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_bool()) return Bad(source, std::string(key) + " must be a boolean");
  *out = v->as_bool();
  return Status::Ok();
}

Result<json::Value> ParseObject(std::string_view bytes, std::string_view source) {
  auto v = json::Parse(bytes);
  if (!v.ok()) return Bad(source, v.status().message());
  if (!v->is_object()) return Bad(source, "must be a JSON object");
  return v;
}

}  // namespace

Result<NetworkConfigList> ParseConfList(std::string_view bytes, std::string_view source) {
  auto root = ParseObject(bytes, source);
  if (!root.ok()) return root.status();
  NetworkConfigList list;
  list.bytes = std::string(bytes);
  list.source = std::string(source);
  const json::Value* name = root->Find("name");
  if (!name || !name->is_string() || name->as_string().empty()) {
    return Bad(source, "missing or empty \"name\"");
  }
  list.name = name->as_string();

  if (const json::Value* versions = root->Find("cniVersions"); versions && !versions->is_null()) {
    if (!versions->is_array()) return Bad(source, "cniVersions must be an array of strings");
    SpecVersion best{-1, 0, 0};
    for (const json::Value& v : versions->as_array()) {
      if (!v.is_string()) return Bad(source, "cniVersions must be an array of strings");
      auto parsed = ParseVersion(v.as_string());
      if (!parsed.ok() || !IsSupportedVersion(v.as_string())) continue;
      if (*parsed > best) {
        best = *parsed;
        list.cni_version = v.as_string();
      }
    }
    if (list.cni_version.empty()) {
      return FailedPrecondition(Where(source) + ": none of cniVersions is supported");
    }
  } else {
    const json::Value* v = root->Find("cniVersion");
    if (!v || !v->is_string()) return Bad(source, "missing \"cniVersion\"");
    list.cni_version = v->as_string();
    SKIFF_RETURN_IF_ERROR(CheckSupported(source, list.cni_version));
  }
  SKIFF_RETURN_IF_ERROR(ReadBool(*root, "disableCheck", source, &list.disable_check));
  SKIFF_RETURN_IF_ERROR(ReadBool(*root, "disableGC", source, &list.disable_gc));

  const json::Value* plugins = root->Find("plugins");
  if (!plugins || !plugins->is_array() || plugins->as_array().empty()) {
    return Bad(source, "\"plugins\" must be a non-empty array");
  }
  for (size_t i = 0; i < plugins->as_array().size(); ++i) {
    const json::Value& p = plugins->as_array()[i];
    const json::Value* type = p.Find("type");
    if (!p.is_object() || !type || !type->is_string() || type->as_string().empty()) {
      return Bad(source, "plugins[" + std::to_string(i) + "] needs a \"type\"");
    }
    list.plugins.push_back(p);
  }
  return list;
}

Result<NetworkConfigList> ParseConf(std::string_view bytes, std::string_view source) {
  auto root = ParseObject(bytes, source);
  if (!root.ok()) return root.status();
  const json::Value* name = root->Find("name");
  const json::Value* version = root->Find("cniVersion");
  const json::Value* type = root->Find("type");
  if (!name || !name->is_string() || name->as_string().empty()) {
    return Bad(source, "missing or empty \"name\"");
  }
  if (!type || !type->is_string() || type->as_string().empty()) {
    return Bad(source, "missing \"type\"");
  }
  if (!version || !version->is_string()) return Bad(source, "missing \"cniVersion\"");
  SKIFF_RETURN_IF_ERROR(CheckSupported(source, version->as_string()));
  NetworkConfigList list;
  list.name = name->as_string();
  list.cni_version = version->as_string();
  list.plugins.push_back(*root);
  list.bytes = std::string(bytes);
  list.source = std::string(source);
  return list;
}

Result<std::vector<std::string>> ConfFiles(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return NotFound("cannot read CNI configuration directory " + dir);
  std::vector<std::string> files;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    for (const char* ext : {".conflist", ".conf", ".json"}) {
      std::string_view x(ext);
      if (n.size() > x.size() && n.compare(n.size() - x.size(), x.size(), x) == 0) {
        files.push_back(dir + "/" + n);
        break;
      }
    }
  }
  closedir(d);
  std::sort(files.begin(), files.end());
  return files;
}

Result<NetworkConfigList> LoadConfList(const std::string& dir, std::vector<std::string>* skipped) {
  auto files = ConfFiles(dir);
  if (!files.ok()) return files.status();
  for (const std::string& f : *files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      if (skipped) skipped->push_back(f + ": cannot be read");
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    bool is_list = f.size() > 9 && f.compare(f.size() - 9, 9, ".conflist") == 0;
    auto list = is_list ? ParseConfList(ss.str(), f) : ParseConf(ss.str(), f);
    if (list.ok()) return list;
    if (skipped) skipped->push_back(list.status().message());
  }
  return NotFound("no valid CNI network configuration in " + dir);
}

}  // namespace skiff::cni::runtime
