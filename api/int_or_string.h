// Helpers for Kubernetes IntOrString fields (targetPort, maxSurge, probe ports, ...), which
// the protos hold as google.protobuf.Value so JSON/YAML `8080` and `"http"` both load and
// print back as written. A Value holding a number is the int form, a string the string
// form; an unset Value (no kind) is "not given".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace google::protobuf {
class Value;
}  // namespace google::protobuf

namespace skiff::api {

struct IntOrString {
  enum class Type { kUnset, kInt, kString };
  Type type = Type::kUnset;
  int64_t int_value = 0;
  std::string string_value;

  bool is_int() const { return type == Type::kInt; }
  bool is_string() const { return type == Type::kString; }
  bool is_set() const { return type != Type::kUnset; }
  // "8080" or "http"; "" when unset.
  std::string ToString() const;
};

// Reads a Value. Numbers that are not whole or are out of the int32 range, and bools, lists
// and maps are errors naming `field` (e.g. "spec.ports[0].targetPort").
Result<IntOrString> ReadIntOrString(const google::protobuf::Value& value, std::string_view field);

// True when the Value holds anything (number or string).
bool IsSet(const google::protobuf::Value& value);

void SetInt(google::protobuf::Value* value, int64_t n);
void SetString(google::protobuf::Value* value, std::string_view s);

// Kubernetes GetScaledValueFromIntOrPercent: an int is returned as is; "N%" is N percent of
// `total`, rounded up or down. Other strings are errors naming `field`.
Result<int64_t> ScaledValueFromIntOrPercent(const google::protobuf::Value& value,
                                            std::string_view field, int64_t total, bool round_up);

}  // namespace skiff::api
