// Name and value syntax checks shared by labels, validation and manifests. Each returns
// the list of problems (empty when valid) worded as Kubernetes words them, without the
// value or field path: callers add those.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace skiff::api {

using Problems = std::vector<std::string>;

// RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters.
Problems CheckDNS1123Label(std::string_view value);
// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
Problems CheckDNS1123Subdomain(std::string_view value);
// RFC 1035 label: [a-z]([-a-z0-9]*[a-z0-9])?, at most 63 characters.
Problems CheckDNS1035Label(std::string_view value);
// Qualified name: [prefix/]name; prefix a DNS subdomain, name 1-63 of
// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]. Label keys, annotation keys, finalizers.
Problems CheckQualifiedName(std::string_view value);
// Label value: empty, or up to 63 of ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9].
Problems CheckLabelValue(std::string_view value);
// IANA service name used for named ports: 1-15 of [-a-z0-9], at least one letter, no
// leading, trailing or double hyphen.
Problems CheckPortName(std::string_view value);
// Port number 1-65535.
Problems CheckPortNumber(int64_t port);
// Environment variable name: [-._a-zA-Z][-._a-zA-Z0-9]*, not ".", "..", or "..*".
Problems CheckEnvVarName(std::string_view value);
// ConfigMap/Secret key: [-._a-zA-Z0-9]+, at most 253, not ".", "..", or "..*".
Problems CheckConfigMapKey(std::string_view value);
// A name usable as a URL path segment: not "." or "..", no '/' or '%'. With prefix=true
// (generateName) "." and ".." are allowed.
Problems CheckPathSegmentName(std::string_view value, bool prefix);
// HTTP header field name: [-A-Za-z0-9]+.
Problems CheckHTTPHeaderName(std::string_view value);
// "N%" with N decimal digits.
Problems CheckPercent(std::string_view value);
// IPv4 or IPv6 address in canonical text form (no leading zeros in IPv4 octets).
Problems CheckIP(std::string_view value);
Problems CheckIPv4(std::string_view value);
Problems CheckIPv6(std::string_view value);
// CIDR "10.0.0.0/8" or "fd00::/64".
Problems CheckCIDR(std::string_view value);

bool IsIPv4(std::string_view value);
bool IsIPv6(std::string_view value);

}  // namespace skiff::api
