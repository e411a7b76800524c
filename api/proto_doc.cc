#include "api/proto_doc.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "api/field_error.h"

namespace skiff::api {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr size_t kMaxErrors = 50;

// ---------------------------------------------------------------------------------------
// Message -> Doc
// ---------------------------------------------------------------------------------------

std::string Base64Encode(const std::string& in) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

Doc DoubleDoc(double d) {
  if (std::isnan(d)) return Doc::String("NaN");
  if (std::isinf(d)) return Doc::String(d > 0 ? "Infinity" : "-Infinity");
  if (d == std::floor(d) && std::fabs(d) < 1e15) {
    return Doc::Number(std::to_string(static_cast<int64_t>(d)));
  }
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  return Doc::Number(std::string(buf, p));
}

Doc ValueToDoc(const google::protobuf::Value& v);

Doc StructToDoc(const google::protobuf::Struct& s) {
  Doc out = Doc::Map();
  std::map<std::string, const google::protobuf::Value*> sorted;
  for (const auto& [k, v] : s.fields())
    sorted[k] = &v;
  for (const auto& [k, v] : sorted)
    out.fields.emplace_back(k, ValueToDoc(*v));
  return out;
}

Doc ListValueToDoc(const google::protobuf::ListValue& l) {
  Doc out = Doc::List();
  for (const google::protobuf::Value& v : l.values())
    out.items.push_back(ValueToDoc(v));
  return out;
}

Doc ValueToDoc(const google::protobuf::Value& v) {
  switch (v.kind_case()) {
    case google::protobuf::Value::kNumberValue:
      return DoubleDoc(v.number_value());
    case google::protobuf::Value::kStringValue:
      return Doc::String(v.string_value());
    case google::protobuf::Value::kBoolValue:
      return Doc::Bool(v.bool_value());
    case google::protobuf::Value::kStructValue:
      return StructToDoc(v.struct_value());
    case google::protobuf::Value::kListValue:
      return ListValueToDoc(v.list_value());
    default:
      return Doc::Null();
  }
}

Doc MessageDoc(const Message& m);

Doc SingularToDoc(const Message& m, const FieldDescriptor* f) {
  const Reflection* r = m.GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return Doc::Number(std::to_string(r->GetInt32(m, f)));
    case FieldDescriptor::CPPTYPE_INT64:
      return Doc::Number(std::to_string(r->GetInt64(m, f)));
    case FieldDescriptor::CPPTYPE_UINT32:
      return Doc::Number(std::to_string(r->GetUInt32(m, f)));
    case FieldDescriptor::CPPTYPE_UINT64:
      return Doc::Number(std::to_string(r->GetUInt64(m, f)));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return DoubleDoc(r->GetDouble(m, f));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return DoubleDoc(r->GetFloat(m, f));
    case FieldDescriptor::CPPTYPE_BOOL:
      return Doc::Bool(r->GetBool(m, f));
    case FieldDescriptor::CPPTYPE_ENUM:
      return Doc::String(r->GetEnum(m, f)->name());
    case FieldDescriptor::CPPTYPE_STRING:
      return f->type() == FieldDescriptor::TYPE_BYTES
                 ? Doc::String(Base64Encode(r->GetString(m, f)))
                 : Doc::String(r->GetString(m, f));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageDoc(r->GetMessage(m, f));
  }
  return Doc::Null();
}

Doc RepeatedItemToDoc(const Message& m, const FieldDescriptor* f, int i) {
  const Reflection* r = m.GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return Doc::Number(std::to_string(r->GetRepeatedInt32(m, f, i)));
    case FieldDescriptor::CPPTYPE_INT64:
      return Doc::Number(std::to_string(r->GetRepeatedInt64(m, f, i)));
    case FieldDescriptor::CPPTYPE_UINT32:
      return Doc::Number(std::to_string(r->GetRepeatedUInt32(m, f, i)));
    case FieldDescriptor::CPPTYPE_UINT64:
      return Doc::Number(std::to_string(r->GetRepeatedUInt64(m, f, i)));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return DoubleDoc(r->GetRepeatedDouble(m, f, i));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return DoubleDoc(r->GetRepeatedFloat(m, f, i));
    case FieldDescriptor::CPPTYPE_BOOL:
      return Doc::Bool(r->GetRepeatedBool(m, f, i));
    case FieldDescriptor::CPPTYPE_ENUM:
      return Doc::String(r->GetRepeatedEnum(m, f, i)->name());
    case FieldDescriptor::CPPTYPE_STRING:
      return f->type() == FieldDescriptor::TYPE_BYTES
                 ? Doc::String(Base64Encode(r->GetRepeatedString(m, f, i)))
                 : Doc::String(r->GetRepeatedString(m, f, i));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageDoc(r->GetRepeatedMessage(m, f, i));
  }
  return Doc::Null();
}

bool IsDefaultScalar(const Message& m, const FieldDescriptor* f) {
  const Reflection* r = m.GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return r->GetInt32(m, f) == 0;
    case FieldDescriptor::CPPTYPE_INT64:
      return r->GetInt64(m, f) == 0;
    case FieldDescriptor::CPPTYPE_UINT32:
      return r->GetUInt32(m, f) == 0;
    case FieldDescriptor::CPPTYPE_UINT64:
      return r->GetUInt64(m, f) == 0;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return r->GetDouble(m, f) == 0;
    case FieldDescriptor::CPPTYPE_FLOAT:
      return r->GetFloat(m, f) == 0;
    case FieldDescriptor::CPPTYPE_BOOL:
      return !r->GetBool(m, f);
    case FieldDescriptor::CPPTYPE_ENUM:
      return r->GetEnumValue(m, f) == 0;
    case FieldDescriptor::CPPTYPE_STRING:
      return r->GetString(m, f).empty();
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return !r->HasField(m, f);
  }
  return true;
}

Doc MapToDoc(const Message& m, const FieldDescriptor* f) {
  const Reflection* r = m.GetReflection();
  const FieldDescriptor* key_field = f->message_type()->map_key();
  const FieldDescriptor* value_field = f->message_type()->map_value();
  std::vector<std::pair<std::string, const Message*>> entries;
  for (int i = 0; i < r->FieldSize(m, f); ++i) {
    const Message& entry = r->GetRepeatedMessage(m, f, i);
    Doc key = SingularToDoc(entry, key_field);
    entries.emplace_back(key.type == Doc::Type::kString ? key.text : key.text, &entry);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  Doc out = Doc::Map();
  for (const auto& [key, entry] : entries) {
    out.fields.emplace_back(key, SingularToDoc(*entry, value_field));
  }
  return out;
}

Doc MessageDoc(const Message& m) {
  const Descriptor* d = m.GetDescriptor();
  const std::string& name = d->full_name();
  if (name == "google.protobuf.Timestamp") {
    const Reflection* r = m.GetReflection();
    google::protobuf::Timestamp ts;
    ts.set_seconds(r->GetInt64(m, d->FindFieldByNumber(1)));
    ts.set_nanos(r->GetInt32(m, d->FindFieldByNumber(2)));
    return Doc::String(google::protobuf::util::TimeUtil::ToString(ts));
  }
  if (name == "google.protobuf.Value" || name == "google.protobuf.Struct" ||
      name == "google.protobuf.ListValue") {
    // Copy through the wire format so messages from any pool are handled.
    if (name == "google.protobuf.Value") {
      google::protobuf::Value v;
      v.ParseFromString(m.SerializeAsString());
      return ValueToDoc(v);
    }
    if (name == "google.protobuf.Struct") {
      google::protobuf::Struct s;
      s.ParseFromString(m.SerializeAsString());
      return StructToDoc(s);
    }
    google::protobuf::ListValue l;
    l.ParseFromString(m.SerializeAsString());
    return ListValueToDoc(l);
  }

  std::vector<const FieldDescriptor*> fields;
  for (int i = 0; i < d->field_count(); ++i)
    fields.push_back(d->field(i));
  std::sort(fields.begin(), fields.end(), [](const FieldDescriptor* a, const FieldDescriptor* b) {
    return a->number() < b->number();
  });
  const Reflection* r = m.GetReflection();
  Doc out = Doc::Map();
  for (const FieldDescriptor* f : fields) {
    if (f->is_map()) {
      if (r->FieldSize(m, f) > 0) out.fields.emplace_back(f->json_name(), MapToDoc(m, f));
    } else if (f->is_repeated()) {
      int n = r->FieldSize(m, f);
      if (n == 0) continue;
      Doc list = Doc::List();
      for (int i = 0; i < n; ++i)
        list.items.push_back(RepeatedItemToDoc(m, f, i));
      out.fields.emplace_back(f->json_name(), std::move(list));
    } else if (f->has_presence()) {
      if (r->HasField(m, f)) out.fields.emplace_back(f->json_name(), SingularToDoc(m, f));
    } else if (!IsDefaultScalar(m, f)) {
      out.fields.emplace_back(f->json_name(), SingularToDoc(m, f));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// YAML -> Doc
// ---------------------------------------------------------------------------------------

bool IsQuoted(const YAML::Node& n) {
  return n.Tag() != "?";
}

std::string Describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Scalar:
      return Quote(n.Scalar());
    default:
      return "nothing";
  }
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Standard base64 with padding; line breaks are ignored, as Kubernetes' decoder does.
// Returns "" when valid, else the problem.
std::string CheckBase64(const std::string& text, std::string* cleaned) {
  cleaned->clear();
  for (char c : text) {
    if (c != '\n' && c != '\r') cleaned->push_back(c);
  }
  const std::string& s = *cleaned;
  size_t pad = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad > 0 || !IsBase64Char(c)) {
      return "illegal base64 data at input byte " + std::to_string(i);
    }
  }
  if (pad > 2 || s.size() % 4 != 0) {
    return "illegal base64 data: length " + std::to_string(s.size()) +
           " is not a multiple of 4 (padding with '=' is required)";
  }
  return "";
}

class YamlConverter {
 public:
  YamlConverter(int line_offset, std::vector<ConvertError>* errors)
      : line_offset_(line_offset), errors_(errors) {}

  bool ok() const { return errors_->size() == initial_errors_; }

  void Error(const YAML::Node& n, const std::string& path, std::string message) {
    if (errors_->size() - initial_errors_ >= kMaxErrors) return;
    int line = 0;
    YAML::Mark mark = n.Mark();
    if (!mark.is_null()) line = mark.line + 1 + line_offset_;
    errors_->push_back({path, line, std::move(message)});
    if (errors_->size() - initial_errors_ == kMaxErrors) {
      errors_->push_back({"", 0, "too many errors; stopped reporting"});
    }
  }

  void ConvertMessage(const YAML::Node& n, const Descriptor* d, const std::string& path, Doc* out) {
    if (IsWellKnown(d)) {
      WellKnown(n, d, path, out);
      return;
    }
    if (!n.IsMap()) {
      Error(n, path, "expected a map, got " + Describe(n));
      return;
    }
    *out = Doc::Map();
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar()) {
        Error(key, path, "field names must be strings, got " + Describe(key));
        continue;
      }
      const std::string name = key.Scalar();
      std::string child = Child(path, name);
      if (!seen.insert(name).second) {
        Error(key, child, "duplicate field " + Quote(name));
        continue;
      }
      const FieldDescriptor* f = FindField(d, name);
      if (f == nullptr) {
        Error(key, child, "unknown field " + Quote(name));
        continue;
      }
      if (value.IsNull()) continue;  // null means unset, as in Kubernetes
      Doc v;
      if (f->is_map()) {
        Map(value, f, child, &v);
      } else if (f->is_repeated()) {
        List(value, f, child, &v);
      } else {
        Singular(value, f, child, &v);
      }
      out->fields.emplace_back(f->json_name(), std::move(v));
    }
  }

 private:
  static const FieldDescriptor* FindField(const Descriptor* d, const std::string& json_name) {
    for (int i = 0; i < d->field_count(); ++i) {
      if (d->field(i)->json_name() == json_name) return d->field(i);
    }
    return nullptr;
  }

  static bool IsWellKnown(const Descriptor* d) {
    const std::string& n = d->full_name();
    return n == "google.protobuf.Timestamp" || n == "google.protobuf.Value" ||
           n == "google.protobuf.Struct" || n == "google.protobuf.ListValue";
  }

  void Map(const YAML::Node& n, const FieldDescriptor* f, const std::string& path, Doc* out) {
    if (!n.IsMap()) {
      Error(n, path, "expected a map, got " + Describe(n));
      return;
    }
    const FieldDescriptor* value_field = f->message_type()->map_value();
    *out = Doc::Map();
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const YAML::Node key_node = it->first;
      const YAML::Node value = it->second;
      if (!key_node.IsScalar()) {
        Error(key_node, path, "map keys must be strings, got " + Describe(key_node));
        continue;
      }
      const std::string key = key_node.Scalar();
      std::string child = Key(path, key);
      if (!seen.insert(key).second) {
        Error(key_node, child, "duplicate key " + Quote(key));
        continue;
      }
      Doc v;
      if (value.IsNull()) {
        v = ZeroValue(value_field);
      } else {
        Singular(value, value_field, child, &v);
      }
      out->fields.emplace_back(key, std::move(v));
    }
  }

  void List(const YAML::Node& n, const FieldDescriptor* f, const std::string& path, Doc* out) {
    if (!n.IsSequence()) {
      Error(n, path, "expected a list, got " + Describe(n));
      return;
    }
    *out = Doc::List();
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node item = n[i];
      Doc v;
      if (item.IsNull()) {
        v = ZeroValue(f);
      } else {
        Singular(item, f, Index(path, i), &v);
      }
      out->items.push_back(std::move(v));
    }
  }

  // What a null list item or map value stands for: the type's zero value.
  static Doc ZeroValue(const FieldDescriptor* f) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        return Doc::String("");
      case FieldDescriptor::CPPTYPE_BOOL:
        return Doc::Bool(false);
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return f->message_type()->full_name() == "google.protobuf.Value" ? Doc::Null() : Doc::Map();
      case FieldDescriptor::CPPTYPE_ENUM:
        return Doc::Number("0");
      default:
        return Doc::Number("0");
    }
  }

  bool Scalar(const YAML::Node& n, const std::string& path, std::string_view expected) {
    if (n.IsScalar()) return true;
    Error(n, path, "expected " + std::string(expected) + ", got " + Describe(n));
    return false;
  }

  void Singular(const YAML::Node& n, const FieldDescriptor* f, const std::string& path, Doc* out) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        if (f->type() == FieldDescriptor::TYPE_BYTES) {
          if (!Scalar(n, path, "a base64 string")) return;
          std::string cleaned;
          std::string problem = CheckBase64(n.Scalar(), &cleaned);
          if (!problem.empty()) {
            Error(n, path, problem);
            return;
          }
          *out = Doc::String(std::move(cleaned));
          return;
        }
        if (!Scalar(n, path, "a string")) return;
        *out = Doc::String(n.Scalar());
        return;
      }
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64:
        Integer(n, f, path, out);
        return;
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        if (!Scalar(n, path, "a number")) return;
        const std::string& t = n.Scalar();
        __int128 i;
        if (ParseYamlInteger(t, &i)) {
          *out = Doc::Number(std::to_string(static_cast<double>(i)));
          return;
        }
        double d;
        auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
        if (t.empty() || ec != std::errc() || p != t.data() + t.size() || !std::isfinite(d)) {
          Error(n, path, "expected a number, got " + Quote(t));
          return;
        }
        *out = DoubleDoc(d);
        return;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        if (!Scalar(n, path, "true or false")) return;
        bool b;
        if (!ParseYamlBool(n.Scalar(), &b)) {
          Error(n, path, "expected true or false, got " + Quote(n.Scalar()));
          return;
        }
        *out = Doc::Bool(b);
        return;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        if (!Scalar(n, path, "a string")) return;
        if (f->enum_type()->FindValueByName(n.Scalar()) == nullptr) {
          Error(n, path, "unsupported value " + Quote(n.Scalar()));
          return;
        }
        *out = Doc::String(n.Scalar());
        return;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        ConvertMessage(n, f->message_type(), path, out);
        return;
    }
  }

  void Integer(const YAML::Node& n, const FieldDescriptor* f, const std::string& path, Doc* out) {
    if (!Scalar(n, path, "an integer")) return;
    const std::string& t = n.Scalar();
    __int128 v;
    bool ok = IsQuoted(n) ? ParseDecimal(t, &v) : ParseYamlInteger(t, &v);
    if (!ok) {
      Error(n, path, "expected an integer, got " + Quote(t));
      return;
    }
    __int128 lo, hi;
    std::string width;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        lo = std::numeric_limits<int32_t>::min();
        hi = std::numeric_limits<int32_t>::max();
        width = "a 32-bit integer";
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        lo = 0;
        hi = std::numeric_limits<uint32_t>::max();
        width = "an unsigned 32-bit integer";
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        lo = 0;
        hi = std::numeric_limits<uint64_t>::max();
        width = "an unsigned 64-bit integer";
        break;
      default:
        lo = std::numeric_limits<int64_t>::min();
        hi = std::numeric_limits<int64_t>::max();
        width = "a 64-bit integer";
    }
    if (v < lo || v > hi) {
      Error(n, path, Quote(t) + " is out of range for " + width);
      return;
    }
    *out = Doc::Number(Int128ToString(v));
  }

  static std::string Int128ToString(__int128 v) {
    if (v == 0) return "0";
    bool neg = v < 0;
    unsigned __int128 u = neg ? -static_cast<unsigned __int128>(v) : v;
    std::string s;
    while (u) {
      s.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
      u /= 10;
    }
    if (neg) s.push_back('-');
    std::reverse(s.begin(), s.end());
    return s;
  }

  static bool ParseDecimal(const std::string& t, __int128* out) {
    std::string_view s = t;
    bool neg = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
      neg = s[0] == '-';
      s.remove_prefix(1);
    }
    if (s.empty() || s.size() > 30) return false;
    __int128 v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    *out = neg ? -v : v;
    return true;
  }

  void WellKnown(const YAML::Node& n, const Descriptor* d, const std::string& path, Doc* out) {
    const std::string& name = d->full_name();
    if (name == "google.protobuf.Timestamp") {
      if (!Scalar(n, path, "an RFC 3339 timestamp")) return;
      google::protobuf::Timestamp ts;
      if (!google::protobuf::util::TimeUtil::FromString(n.Scalar(), &ts)) {
        Error(n, path,
              "invalid timestamp " + Quote(n.Scalar()) +
                  ": expected RFC 3339, e.g. \"2024-01-02T15:04:05Z\"");
        return;
      }
      *out = Doc::String(n.Scalar());
      return;
    }
    if (name == "google.protobuf.Struct" && !n.IsMap()) {
      Error(n, path, "expected a map, got " + Describe(n));
      return;
    }
    if (name == "google.protobuf.ListValue" && !n.IsSequence()) {
      Error(n, path, "expected a list, got " + Describe(n));
      return;
    }
    AnyValue(n, path, out);
  }

  // Free-form JSON value (IntOrString and friends): plain integers and floats become
  // numbers, plain booleans bools, everything else (and anything quoted) strings.
  void AnyValue(const YAML::Node& n, const std::string& path, Doc* out) {
    switch (n.Type()) {
      case YAML::NodeType::Null:
        *out = Doc::Null();
        return;
      case YAML::NodeType::Scalar: {
        const std::string& t = n.Scalar();
        if (!IsQuoted(n)) {
          __int128 i;
          bool b;
          if (ParseYamlInteger(t, &i)) {
            if (i > (static_cast<__int128>(1) << 53) || i < -(static_cast<__int128>(1) << 53)) {
              Error(n, path, Quote(t) + " is too large for a JSON number; quote it");
              return;
            }
            *out = Doc::Number(Int128ToString(i));
            return;
          }
          if (t == "true" || t == "false" || t == "True" || t == "False" || t == "TRUE" ||
              t == "FALSE") {
            ParseYamlBool(t, &b);
            *out = Doc::Bool(b);
            return;
          }
          double d;
          auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
          if (!t.empty() && ec == std::errc() && p == t.data() + t.size() && std::isfinite(d) &&
              t.find_first_of("0123456789") != std::string::npos) {
            *out = DoubleDoc(d);
            return;
          }
        }
        *out = Doc::String(t);
        return;
      }
      case YAML::NodeType::Sequence:
        *out = Doc::List();
        for (size_t i = 0; i < n.size(); ++i) {
          Doc v;
          AnyValue(n[i], Index(path, i), &v);
          out->items.push_back(std::move(v));
        }
        return;
      case YAML::NodeType::Map: {
        *out = Doc::Map();
        std::set<std::string> seen;
        for (auto it = n.begin(); it != n.end(); ++it) {
          const YAML::Node key_node = it->first;
          const YAML::Node value = it->second;
          if (!key_node.IsScalar()) {
            Error(key_node, path, "map keys must be strings, got " + Describe(key_node));
            continue;
          }
          const std::string key = key_node.Scalar();
          if (!seen.insert(key).second) {
            Error(key_node, Child(path, key), "duplicate key " + Quote(key));
            continue;
          }
          Doc v;
          AnyValue(value, Child(path, key), &v);
          out->fields.emplace_back(key, std::move(v));
        }
        return;
      }
      default:
        Error(n, path, "undefined value");
    }
  }

  int line_offset_;
  std::vector<ConvertError>* errors_;
  size_t initial_errors_ = errors_->size();
};

}  // namespace

Doc MessageToDoc(const Message& message) {
  return MessageDoc(message);
}

bool YamlToDoc(const YAML::Node& node, const Descriptor* descriptor, const std::string& path,
               int line_offset, Doc* out, std::vector<ConvertError>* errors) {
  YamlConverter converter(line_offset, errors);
  converter.ConvertMessage(node, descriptor, path, out);
  return converter.ok();
}

bool ParseYamlInteger(const std::string& text, __int128* out) {
  std::string s;
  s.reserve(text.size());
  for (char c : text) {
    if (c != '_') s.push_back(c);  // YAML 1.1 digit separators
  }
  if (s.empty() || text.front() == '_' || s.size() > 40) return false;
  bool neg = false;
  size_t i = 0;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    ++i;
  }
  if (i >= s.size()) return false;
  int base = 10;
  if (s.size() - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
    base = 16;
    i += 2;
  } else if (s.size() - i > 2 && s[i] == '0' && (s[i + 1] == 'o' || s[i + 1] == 'O')) {
    base = 8;
    i += 2;
  } else if (s.size() - i > 2 && s[i] == '0' && (s[i + 1] == 'b' || s[i + 1] == 'B')) {
    base = 2;
    i += 2;
  } else if (s.size() - i > 1 && s[i] == '0') {
    base = 8;  // YAML 1.1 octal: 0644
    i += 1;
  }
  __int128 v = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return false;
    }
    if (digit >= base) return false;
    v = v * base + digit;
    if (v > (static_cast<__int128>(1) << 100)) return false;
  }
  *out = neg ? -v : v;
  return true;
}

bool ParseYamlBool(const std::string& t, bool* out) {
  static const char* const kTrue[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
                                      "on",   "On",   "ON",   "y",   "Y"};
  static const char* const kFalse[] = {"false", "False", "FALSE", "no", "No", "NO",
                                       "off",   "Off",   "OFF",   "n",  "N"};
  for (const char* s : kTrue) {
    if (t == s) {
      *out = true;
      return true;
    }
  }
  for (const char* s : kFalse) {
    if (t == s) {
      *out = false;
      return true;
    }
  }
  return false;
}

}  // namespace skiff::api
