// Base64 (RFC 4648 standard alphabet, padded), as Kubernetes uses for Secret
// data, kubeconfig certificate data and encryption keys.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace skiff {

std::string Base64Encode(std::string_view data);
// Ignores whitespace; INVALID_ARGUMENT on any other non-alphabet character.
Result<std::string> Base64Decode(std::string_view text);

// The URL-safe alphabet without padding (RFC 4648 section 5), as JWTs use.
std::string Base64UrlEncode(std::string_view data);
Result<std::string> Base64UrlDecode(std::string_view text);

}  // namespace skiff
