// CNI specification versions: which ones this implementation speaks and how
// they order. Versions are "MAJOR.MINOR.PATCH" with numeric parts.
#pragma once

#include <array>
#include <string_view>

#include "common/status.h"

namespace skiff::cni {

inline constexpr std::string_view kCurrentVersion = "1.1.0";
// Every version whose configuration and result format we read and write.
inline constexpr std::array<std::string_view, 5> kSupportedVersions = {"0.3.0", "0.3.1", "0.4.0",
                                                                       "1.0.0", "1.1.0"};

struct SpecVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;
  friend auto operator<=>(const SpecVersion&, const SpecVersion&) = default;
};

// Parses "1.0.0" (also "1.0", like libcni's semver reading). INVALID_ARGUMENT
// names the text.
Result<SpecVersion> ParseVersion(std::string_view text);

bool IsSupportedVersion(std::string_view text);

// a >= b for two valid version strings; false when either does not parse.
bool VersionAtLeast(std::string_view a, std::string_view b);

}  // namespace skiff::cni
