#include "api/int_or_string.h"

#include <google/protobuf/struct.pb.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "api/field_error.h"

namespace skiff::api {

std::string IntOrString::ToString() const {
  switch (type) {
    case Type::kInt:
      return std::to_string(int_value);
    case Type::kString:
      return string_value;
    case Type::kUnset:
      break;
  }
  return "";
}

Result<IntOrString> ReadIntOrString(const google::protobuf::Value& value, std::string_view field) {
  IntOrString out;
  switch (value.kind_case()) {
    case google::protobuf::Value::KIND_NOT_SET:
    case google::protobuf::Value::kNullValue:
      return out;
    case google::protobuf::Value::kNumberValue: {
      double d = value.number_value();
      if (!std::isfinite(d) || d != std::floor(d) || d > std::numeric_limits<int32_t>::max() ||
          d < std::numeric_limits<int32_t>::min()) {
        return InvalidArgument(std::string(field) + ": " + std::to_string(d) +
                               " is not a whole number in the int32 range");
      }
      out.type = IntOrString::Type::kInt;
      out.int_value = static_cast<int64_t>(d);
      return out;
    }
    case google::protobuf::Value::kStringValue:
      out.type = IntOrString::Type::kString;
      out.string_value = value.string_value();
      return out;
    default:
      return InvalidArgument(std::string(field) + ": must be an integer or a string");
  }
}

bool IsSet(const google::protobuf::Value& value) {
  return value.kind_case() == google::protobuf::Value::kNumberValue ||
         value.kind_case() == google::protobuf::Value::kStringValue;
}

void SetInt(google::protobuf::Value* value, int64_t n) {
  value->set_number_value(static_cast<double>(n));
}

void SetString(google::protobuf::Value* value, std::string_view s) {
  value->set_string_value(std::string(s));
}

Result<int64_t> ScaledValueFromIntOrPercent(const google::protobuf::Value& value,
                                            std::string_view field, int64_t total, bool round_up) {
  Result<IntOrString> v = ReadIntOrString(value, field);
  if (!v.ok()) return v.status();
  if (v->is_int()) return v->int_value;
  if (!v->is_string()) return InvalidArgument(std::string(field) + ": value is not set");
  const std::string& s = v->string_value;
  int64_t percent = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), percent);
  if (s.size() < 2 || s.back() != '%' || ec != std::errc() || p != s.data() + s.size() - 1 ||
      percent < 0) {
    return InvalidArgument(std::string(field) + ": invalid value " + Quote(s) +
                           ": must be an integer or a percentage (e.g. '5%')");
  }
  // Integer arithmetic, exact: ceil or floor of percent * total / 100.
  __int128 product = static_cast<__int128>(percent) * total;
  __int128 q = product / 100;
  if (round_up && product % 100 != 0 && product > 0) ++q;
  if (!round_up && product % 100 != 0 && product < 0) --q;
  if (q > std::numeric_limits<int64_t>::max() || q < std::numeric_limits<int64_t>::min()) {
    return OutOfRange(std::string(field) + ": scaled value out of range");
  }
  return static_cast<int64_t>(q);
}

}  // namespace skiff::api
