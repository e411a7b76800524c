#include "cni/spec/version.h"

#include <charconv>
#include <string>

namespace skiff::cni {

Result<SpecVersion> ParseVersion(std::string_view text) {
  SpecVersion v;
  int* parts[3] = {&v.major, &v.minor, &v.patch};
  size_t pos = 0;
  int n = 0;
  while (n < 3) {
    size_t dot = text.find('.', pos);
    std::string_view part = text.substr(pos, dot == std::string_view::npos ? text.npos : dot - pos);
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), *parts[n]);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size() || *parts[n] < 0) {
      return InvalidArgument("invalid CNI version \"" + std::string(text) + "\"");
    }
    ++n;
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
    if (n == 3) return InvalidArgument("invalid CNI version \"" + std::string(text) + "\"");
  }
  if (n < 2) return InvalidArgument("invalid CNI version \"" + std::string(text) + "\"");
  return v;
}

bool IsSupportedVersion(std::string_view text) {
  for (std::string_view v : kSupportedVersions) {
    if (v == text) return true;
  }
  return false;
}

bool VersionAtLeast(std::string_view a, std::string_view b) {
  auto va = ParseVersion(a);
  auto vb = ParseVersion(b);
  return va.ok() && vb.ok() && *va >= *vb;
}

}  // namespace skiff::cni
