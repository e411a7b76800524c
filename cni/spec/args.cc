#include "cni/spec/args.h"

#include <cctype>

namespace skiff::cni {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::string* CniArgs::Find(std::string_view key) const {
  const std::string* found = nullptr;
  for (const auto& [k, v] : pairs) {
    if (k == key) found = &v;
  }
  return found;
}

Expected<CniArgs> ParseCniArgs(std::string_view text) {
  CniArgs out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t semi = text.find(';', pos);
    std::string_view seg = text.substr(pos, semi == text.npos ? text.npos : semi - pos);
    pos = semi == text.npos ? text.size() + 1 : semi + 1;
    if (seg.empty()) continue;
    size_t eq = seg.find('=');
    if (eq == seg.npos || eq == 0 || seg.find('=', eq + 1) != seg.npos) {
      return Error(kInvalidEnvironment,
                   "CNI_ARGS: invalid pair \"" + std::string(seg) + "\" (want KEY=VALUE)");
    }
    std::string key(seg.substr(0, eq));
    std::string value(seg.substr(eq + 1));
    if (key == "IgnoreUnknown") {
      if (value == "1" || EqualsIgnoreCase(value, "true")) {
        out.ignore_unknown = true;
      } else if (value == "0" || EqualsIgnoreCase(value, "false")) {
        out.ignore_unknown = false;
      } else {
        return Error(kInvalidEnvironment,
                     "CNI_ARGS: IgnoreUnknown=\"" + value + "\" is not a boolean (1/true/0/false)");
      }
    }
    out.pairs.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

Error CheckKnownArgs(const CniArgs& args, const std::vector<std::string_view>& known) {
  if (args.ignore_unknown) return OkError();
  std::string unknown;
  for (const auto& [k, v] : args.pairs) {
    if (k == "IgnoreUnknown") continue;
    bool ok = false;
    for (std::string_view kn : known)
      ok = ok || kn == k;
    if (!ok) unknown += (unknown.empty() ? "" : ", ") + k;
  }
  if (unknown.empty()) return OkError();
  return Error(kInvalidEnvironment, "CNI_ARGS: unknown args " + unknown,
               "set IgnoreUnknown=1 to ignore keys this plugin does not use");
}

Error ValidateContainerId(std::string_view id) {
  if (id.empty()) return Error(kUnknownContainer, "missing CNI_CONTAINERID");
  for (size_t i = 0; i < id.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(id[i]);
    bool ok = std::isalnum(c) || (i > 0 && (c == '_' || c == '.' || c == '-'));
    if (!ok) {
      return Error(kInvalidEnvironment,
                   "CNI_CONTAINERID \"" + std::string(id) + "\" has invalid characters",
                   "allowed: letters, digits, and _ . - after the first character");
    }
  }
  return OkError();
}

Error ValidateIfName(std::string_view name) {
  if (name.empty()) return Error(kInvalidEnvironment, "CNI_IFNAME is empty");
  if (name.size() > 15) {
    return Error(kInvalidEnvironment,
                 "CNI_IFNAME \"" + std::string(name) + "\" is longer than 15 characters");
  }
  if (name == "." || name == "..") {
    return Error(kInvalidEnvironment, "CNI_IFNAME \"" + std::string(name) + "\" is not allowed");
  }
  for (char c : name) {
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c))) {
      return Error(kInvalidEnvironment,
                   "CNI_IFNAME \"" + std::string(name) + "\" contains '/', ':' or whitespace");
    }
  }
  return OkError();
}

}  // namespace skiff::cni
