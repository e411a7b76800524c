// Helpers for the validation tests: load a YAML object and list its errors as strings.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "api/manifest.h"
#include "api/validation.h"

namespace skiff::api::test_support {

inline std::unique_ptr<google::protobuf::Message> MustLoad(const std::string& yaml) {
  Result<std::unique_ptr<google::protobuf::Message>> m = ParseObject(yaml, "case.yaml");
  EXPECT_TRUE(m.ok()) << m.status().ToString() << "\n" << yaml;
  return m.ok() ? std::move(*m) : nullptr;
}

inline std::vector<std::string> ToStrings(const FieldErrors& errors) {
  std::vector<std::string> out;
  for (const FieldError& e : errors)
    out.push_back(e.ToString());
  return out;
}

// "path: message" for every error of the object in `yaml`.
inline std::vector<std::string> ErrorsOf(const std::string& yaml) {
  std::unique_ptr<google::protobuf::Message> m = MustLoad(yaml);
  if (m == nullptr) return {"<load failed>"};
  return ToStrings(Validate(*m));
}

// Indents every line of `body` by `n` spaces.
inline std::string Indent(const std::string& body, int n) {
  std::string out;
  std::string pad(static_cast<size_t>(n), ' ');
  size_t start = 0;
  while (start < body.size()) {
    size_t nl = body.find('\n', start);
    std::string line = body.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (!line.empty()) out += pad + line;
    out += "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

struct ValidationCase {
  std::string name;
  std::string yaml;
  std::vector<std::string> errors;  // exact, in order; empty = valid
};

inline std::string CaseName(const testing::TestParamInfo<ValidationCase>& info) {
  return info.param.name;
}

class ValidationTableTest : public testing::TestWithParam<ValidationCase> {};

}  // namespace skiff::api::test_support
