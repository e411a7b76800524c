#include "api/doc_tree.h"

namespace skiff::api {
namespace {

void Newline(int indent, int depth, std::string* out) {
  if (indent <= 0) return;
  out->push_back('\n');
  out->append(static_cast<size_t>(indent * depth), ' ');
}

void WriteJson(const Doc& d, int indent, int depth, std::string* out) {
  switch (d.type) {
    case Doc::Type::kNull:
      out->append("null");
      return;
    case Doc::Type::kBool:
      out->append(d.bool_value ? "true" : "false");
      return;
    case Doc::Type::kNumber:
      out->append(d.text);
      return;
    case Doc::Type::kString:
      AppendJsonString(d.text, out);
      return;
    case Doc::Type::kList:
      if (d.items.empty()) {
        out->append("[]");
        return;
      }
      out->push_back('[');
      for (size_t i = 0; i < d.items.size(); ++i) {
        if (i) out->push_back(',');
        Newline(indent, depth + 1, out);
        WriteJson(d.items[i], indent, depth + 1, out);
      }
      Newline(indent, depth, out);
      out->push_back(']');
      return;
    case Doc::Type::kMap:
      if (d.fields.empty()) {
        out->append("{}");
        return;
      }
      out->push_back('{');
      for (size_t i = 0; i < d.fields.size(); ++i) {
        if (i) out->push_back(',');
        Newline(indent, depth + 1, out);
        AppendJsonString(d.fields[i].first, out);
        out->append(indent > 0 ? ": " : ":");
        WriteJson(d.fields[i].second, indent, depth + 1, out);
      }
      Newline(indent, depth, out);
      out->push_back('}');
      return;
  }
}

}  // namespace

namespace {

Doc Of(Doc::Type t) {
  Doc d;
  d.type = t;
  return d;
}

}  // namespace

Doc Doc::Null() {
  return Doc();
}
Doc Doc::List() {
  return Of(Type::kList);
}
Doc Doc::Map() {
  return Of(Type::kMap);
}

Doc Doc::Bool(bool b) {
  Doc d = Of(Type::kBool);
  d.bool_value = b;
  return d;
}

Doc Doc::Number(std::string literal) {
  Doc d = Of(Type::kNumber);
  d.text = std::move(literal);
  return d;
}

Doc Doc::String(std::string s) {
  Doc d = Of(Type::kString);
  d.text = std::move(s);
  return d;
}

void AppendJsonString(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
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
        if (u < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[u >> 4]);
          out->push_back(kHex[u & 0xf]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

std::string DocToJson(const Doc& doc, int indent) {
  std::string out;
  WriteJson(doc, indent, 0, &out);
  return out;
}

}  // namespace skiff::api
