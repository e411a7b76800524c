// Serializer: insertion-ordered objects, shortest round-trip doubles.
#include <charconv>
#include <cmath>
#include <string>

#include "common/json/json.h"

namespace skiff::json {
namespace {

void AppendDouble(double d, std::string* out) {
  if (!std::isfinite(d)) {
    out->append("null");
    return;
  }
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view text(buf, ec == std::errc() ? static_cast<size_t>(ptr - buf) : 0);
  out->append(text);
  // Keep the value a double when read back: "2" would come back as an int.
  if (text.find_first_of(".eE") == std::string_view::npos &&
      text.find("inf") == std::string_view::npos) {
    out->append(".0");
  }
}

void Newline(int indent, int depth, std::string* out) {
  if (indent <= 0) return;
  out->push_back('\n');
  out->append(static_cast<size_t>(indent) * depth, ' ');
}

void Write(const Value& v, int indent, int depth, std::string* out) {
  switch (v.type()) {
    case Type::kNull:
      out->append("null");
      return;
    case Type::kBool:
      out->append(v.as_bool() ? "true" : "false");
      return;
    case Type::kInt: {
      char buf[24];
      auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v.as_int());
      out->append(buf, ptr);
      return;
    }
    case Type::kDouble:
      AppendDouble(v.as_double(), out);
      return;
    case Type::kString:
      AppendQuoted(v.as_string(), out);
      return;
    case Type::kArray: {
      const Array& a = v.as_array();
      out->push_back('[');
      bool first = true;
      for (const Value& item : a) {
        if (!first) out->push_back(',');
        first = false;
        Newline(indent, depth + 1, out);
        Write(item, indent, depth + 1, out);
      }
      if (!a.empty()) Newline(indent, depth, out);
      out->push_back(']');
      return;
    }
    case Type::kObject: {
      const Object& o = v.as_object();
      out->push_back('{');
      bool first = true;
      for (const Member& m : o) {
        if (!first) out->push_back(',');
        first = false;
        Newline(indent, depth + 1, out);
        AppendQuoted(m.key, out);
        out->push_back(':');
        if (indent > 0) out->push_back(' ');
        Write(m.value, indent, depth + 1, out);
      }
      if (!o.empty()) Newline(indent, depth, out);
      out->push_back('}');
      return;
    }
  }
}

}  // namespace

void AppendQuoted(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xF]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void SerializeTo(const Value& value, std::string* out, const SerializeOptions& options) {
  Write(value, options.indent, 0, out);
}

std::string Serialize(const Value& value, const SerializeOptions& options) {
  std::string out;
  SerializeTo(value, &out, options);
  return out;
}

}  // namespace skiff::json
