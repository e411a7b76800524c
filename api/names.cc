#include "api/names.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdlib>

namespace skiff::api {
namespace {

bool IsLower(char c) {
  return c >= 'a' && c <= 'z';
}
bool IsUpper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsAlnum(char c) {
  return IsLower(c) || IsUpper(c) || IsDigit(c);
}
bool IsLowerAlnum(char c) {
  return IsLower(c) || IsDigit(c);
}

// Kubernetes' RegexError wording, including its spacing.
std::string RegexError(std::string_view msg, std::string_view regex,
                       std::initializer_list<std::string_view> examples) {
  std::string s(msg);
  if (examples.size() > 0) {
    s += " (e.g. ";
    bool first = true;
    for (std::string_view e : examples) {
      if (!first) s += " or ";
      first = false;
      s += "'" + std::string(e) + "', ";
    }
    s += "regex used for validation is '" + std::string(regex) + "')";
  } else {
    s += " (regex used for validation is '" + std::string(regex) + "')";
  }
  return s;
}

std::string MaxLen(size_t n) {
  return "must be no more than " + std::to_string(n) + " characters";
}

bool MatchesDNS1123Label(std::string_view v) {
  if (v.empty() || !IsLowerAlnum(v.front()) || !IsLowerAlnum(v.back())) return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return IsLowerAlnum(c) || c == '-'; });
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool MatchesQualifiedNamePart(std::string_view v) {
  if (v.empty() || !IsAlnum(v.front()) || !IsAlnum(v.back())) return false;
  return std::all_of(v.begin(), v.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

void AppendChDirProblems(std::string_view v, Problems* out) {
  if (v == ".") {
    out->push_back("must not be '.'");
  } else if (v == "..") {
    out->push_back("must not be '..'");
  } else if (v.substr(0, 2) == "..") {
    out->push_back("must not start with '..'");
  }
}

constexpr std::string_view kQualifiedNameRegex = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kDNS1123SubdomainRegex =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";

}  // namespace

Problems CheckDNS1123Label(std::string_view v) {
  Problems out;
  if (v.size() > 63) out.push_back(MaxLen(63));
  if (!MatchesDNS1123Label(v)) {
    out.push_back(RegexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
        "and must start and end with an alphanumeric character",
        "[a-z0-9]([-a-z0-9]*[a-z0-9])?", {"my-name", "123-abc"}));
  }
  return out;
}

Problems CheckDNS1123Subdomain(std::string_view v) {
  Problems out;
  if (v.size() > 253) out.push_back(MaxLen(253));
  bool ok = !v.empty();
  size_t start = 0;
  while (ok) {
    size_t dot = v.find('.', start);
    std::string_view label = v.substr(start, dot == std::string_view::npos ? v.npos : dot - start);
    ok = MatchesDNS1123Label(label);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (!ok) {
    out.push_back(RegexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
        "or '.', and must start and end with an alphanumeric character",
        kDNS1123SubdomainRegex, {"example.com"}));
  }
  return out;
}

Problems CheckDNS1035Label(std::string_view v) {
  Problems out;
  if (v.size() > 63) out.push_back(MaxLen(63));
  if (!MatchesDNS1123Label(v) || !IsLower(v.front())) {
    out.push_back(RegexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
        "an alphabetic character, and end with an alphanumeric character",
        "[a-z]([-a-z0-9]*[a-z0-9])?", {"my-name", "abc-123"}));
  }
  return out;
}

Problems CheckQualifiedName(std::string_view v) {
  Problems out;
  std::string_view name = v;
  size_t slash = v.find('/');
  if (slash != std::string_view::npos) {
    if (v.find('/', slash + 1) != std::string_view::npos) {
      out.push_back(
          RegexError(
              "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must "
              "start and end with an alphanumeric character",
              kQualifiedNameRegex, {"MyName", "my.name", "123-abc"}) +
          " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return out;
    }
    std::string_view prefix = v.substr(0, slash);
    name = v.substr(slash + 1);
    if (prefix.empty()) {
      out.push_back("prefix part must be non-empty");
    } else {
      for (const std::string& p : CheckDNS1123Subdomain(prefix))
        out.push_back("prefix part " + p);
    }
  }
  if (name.empty()) {
    out.push_back("name part must be non-empty");
  } else if (name.size() > 63) {
    out.push_back("name part " + MaxLen(63));
  }
  if (!name.empty() && !MatchesQualifiedNamePart(name)) {
    out.push_back(RegexError(
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
        "end with an alphanumeric character",
        kQualifiedNameRegex, {"MyName", "my.name", "123-abc"}));
  }
  return out;
}

Problems CheckLabelValue(std::string_view v) {
  Problems out;
  if (v.size() > 63) out.push_back(MaxLen(63));
  if (!v.empty() && !MatchesQualifiedNamePart(v)) {
    out.push_back(RegexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
        "or '.', and must start and end with an alphanumeric character",
        "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?", {"MyValue", "my_value", "12345"}));
  }
  return out;
}

Problems CheckPortName(std::string_view v) {
  Problems out;
  if (v.size() > 15) out.push_back(MaxLen(15));
  if (!std::all_of(v.begin(), v.end(), [](char c) { return IsLowerAlnum(c) || c == '-'; })) {
    out.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  }
  if (v.find("--") != std::string_view::npos) out.push_back("must not contain consecutive hyphens");
  if (std::none_of(v.begin(), v.end(), IsLower)) {
    out.push_back("must contain at least one letter (a-z)");
  }
  if (!v.empty() && (v.front() == '-' || v.back() == '-')) {
    out.push_back("must not begin or end with a hyphen");
  }
  return out;
}

Problems CheckPortNumber(int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {"must be between 1 and 65535, inclusive"};
}

Problems CheckEnvVarName(std::string_view v) {
  Problems out;
  auto ok_char = [](char c) { return IsAlnum(c) || c == '-' || c == '.' || c == '_'; };
  if (v.empty() || IsDigit(v.front()) || !std::all_of(v.begin(), v.end(), ok_char)) {
    out.push_back(RegexError(
        "a valid environment variable name must consist of alphabetic characters, digits, '_', "
        "'-', or '.', and must not start with a digit",
        "[-._a-zA-Z][-._a-zA-Z0-9]*", {"my.env-name", "MY_ENV.NAME", "MyEnvName1"}));
  }
  AppendChDirProblems(v, &out);
  return out;
}

Problems CheckConfigMapKey(std::string_view v) {
  Problems out;
  if (v.size() > 253) out.push_back(MaxLen(253));
  auto ok_char = [](char c) { return IsAlnum(c) || c == '-' || c == '.' || c == '_'; };
  if (v.empty() || !std::all_of(v.begin(), v.end(), ok_char)) {
    out.push_back(
        RegexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                   "[-._a-zA-Z0-9]+", {"key.name", "KEY_NAME", "key-name"}));
  }
  AppendChDirProblems(v, &out);
  return out;
}

Problems CheckPathSegmentName(std::string_view v, bool prefix) {
  Problems out;
  if (!prefix) {
    if (v == ".") out.push_back("may not be '.'");
    if (v == "..") out.push_back("may not be '..'");
  }
  if (v.find('/') != std::string_view::npos) out.push_back("may not contain '/'");
  if (v.find('%') != std::string_view::npos) out.push_back("may not contain '%'");
  return out;
}

Problems CheckHTTPHeaderName(std::string_view v) {
  if (!v.empty() &&
      std::all_of(v.begin(), v.end(), [](char c) { return IsAlnum(c) || c == '-'; })) {
    return {};
  }
  return {RegexError("a valid HTTP header must consist of alphanumerics or '-'", "[-A-Za-z0-9]+",
                     {"X-Header-Name"})};
}

Problems CheckPercent(std::string_view v) {
  if (v.size() >= 2 && v.back() == '%' &&
      std::all_of(v.begin(), v.end() - 1, [](char c) { return IsDigit(c); })) {
    return {};
  }
  return {RegexError("a valid percent string must be a numeric string followed by an ending '%'",
                     "[0-9]+%", {"1%", "93%"})};
}

bool IsIPv4(std::string_view v) {
  if (v.empty() || v.size() > 15) return false;
  std::string s(v);
  in_addr addr;
  return inet_pton(AF_INET, s.c_str(), &addr) == 1;
}

bool IsIPv6(std::string_view v) {
  if (v.empty() || v.size() > 45 || v.find(':') == std::string_view::npos) return false;
  std::string s(v);
  in6_addr addr;
  return inet_pton(AF_INET6, s.c_str(), &addr) == 1;
}

Problems CheckIP(std::string_view v) {
  if (IsIPv4(v) || IsIPv6(v)) return {};
  return {"must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"};
}

Problems CheckIPv4(std::string_view v) {
  if (IsIPv4(v)) return {};
  return {"must be a valid IPv4 address"};
}

Problems CheckIPv6(std::string_view v) {
  if (IsIPv6(v)) return {};
  return {"must be a valid IPv6 address"};
}

Problems CheckCIDR(std::string_view v) {
  Problems bad = {"must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"};
  size_t slash = v.find('/');
  if (slash == std::string_view::npos) return bad;
  std::string_view addr = v.substr(0, slash);
  std::string_view bits = v.substr(slash + 1);
  if (bits.empty() || bits.size() > 3 || (bits.size() > 1 && bits[0] == '0') ||
      !std::all_of(bits.begin(), bits.end(), IsDigit)) {
    return bad;
  }
  int n = std::atoi(std::string(bits).c_str());
  if (IsIPv4(addr)) return n <= 32 ? Problems{} : bad;
  if (IsIPv6(addr)) return n <= 128 ? Problems{} : bad;
  return bad;
}

}  // namespace skiff::api
