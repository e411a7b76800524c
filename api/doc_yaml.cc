// YAML writer for Doc (declared in doc_tree.h).
#include <algorithm>
#include <cstring>
#include <string_view>

#include "api/doc_tree.h"

namespace skiff::api {
namespace {

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Plain scalars that a YAML 1.1 or 1.2 reader would resolve to null, bool or a number.
bool LooksLikeNonString(std::string_view s) {
  static constexpr std::string_view kWords[] = {
      "null", "~", "true", "false", "yes",   "no",   "on", "off",
      "y",    "n", ".inf", "-.inf", "+.inf", ".nan", "<<", "=",
  };
  for (std::string_view w : kWords) {
    if (EqualsIgnoreCase(s, w)) return true;
  }
  // Anything made only of number-ish characters that starts like a number (ints, floats,
  // hex, octal, sexagesimal, dates) is quoted; quoting more than needed is harmless.
  char c0 = s[0];
  if ((c0 >= '0' && c0 <= '9') || c0 == '.' || c0 == '+' || c0 == '-') {
    return std::all_of(s.begin(), s.end(), [](char c) {
      return c != '\0' && std::strchr("0123456789._:+-eExXoObBabcdfABCDF", c) != nullptr;
    });
  }
  return false;
}

bool CanBePlain(std::string_view s) {
  if (s.empty() || LooksLikeNonString(s)) return false;
  char c0 = s[0];
  if (!(IsAsciiAlnum(c0) || c0 == '_' || c0 == '.' || c0 == '/' ||
        static_cast<unsigned char>(c0) >= 0x80)) {
    return false;
  }
  for (char c : s) {
    if (IsAsciiAlnum(c) || static_cast<unsigned char>(c) >= 0x80) continue;
    if (c == '\0' || std::strchr("-_./:@+=,;()$%^~ ", c) == nullptr) return false;
  }
  if (s.back() == ' ' || s.back() == ':') return false;
  if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos) {
    return false;
  }
  return true;
}

void AppendDoubleQuoted(std::string_view s, std::string* out) {
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
      default:
        if (u < 0x20 || u == 0x7f) {
          out->append("\\x");
          out->push_back(kHex[u >> 4]);
          out->push_back(kHex[u & 0xf]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

// Multi-line text that a literal block (|) can carry exactly.
bool UseLiteralBlock(std::string_view s) {
  if (s.find('\n') == std::string_view::npos) return false;
  // Blocks with no content lines lose their line breaks under clip chomping.
  if (s.find_first_not_of('\n') == std::string_view::npos) return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\n' && c != '\t') || u == 0x7f;
  });
}

// Writes " |<indicator><chomp>\n" and the lines, each indented by `indent` spaces.
void AppendLiteralBlock(std::string_view s, int indent, std::string* out) {
  std::string_view body = s;
  std::string chomp = "-";
  if (!body.empty() && body.back() == '\n') {
    chomp = body.size() >= 2 && body[body.size() - 2] == '\n' ? "+" : "";
    body.remove_suffix(1);
  }
  std::vector<std::string_view> lines;
  size_t start = 0;
  for (;;) {
    size_t nl = body.find('\n', start);
    lines.push_back(body.substr(start, nl == std::string_view::npos ? body.npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  // Indentation is detected from the first non-empty line: state it explicitly when that
  // line starts with white space, or when there is no non-empty line at all.
  auto first =
      std::find_if(lines.begin(), lines.end(), [](std::string_view l) { return !l.empty(); });
  bool indicator = first == lines.end() || (*first)[0] == ' ' || (*first)[0] == '\t';
  out->append(" |");
  if (indicator) out->append("2");
  out->append(chomp);
  out->push_back('\n');
  for (std::string_view l : lines) {
    if (!l.empty()) {
      out->append(static_cast<size_t>(indent), ' ');
      out->append(l);
    }
    out->push_back('\n');
  }
}

void AppendScalar(const Doc& d, std::string* out) {
  switch (d.type) {
    case Doc::Type::kNull:
      out->append("null");
      break;
    case Doc::Type::kBool:
      out->append(d.bool_value ? "true" : "false");
      break;
    case Doc::Type::kNumber:
      out->append(d.text);
      break;
    case Doc::Type::kString:
      if (CanBePlain(d.text)) {
        out->append(d.text);
      } else {
        AppendDoubleQuoted(d.text, out);
      }
      break;
    default:
      break;
  }
}

void AppendKey(std::string_view key, std::string* out) {
  if (CanBePlain(key)) {
    out->append(key);
  } else {
    AppendDoubleQuoted(key, out);
  }
}

void WriteMapEntries(const Doc& d, int indent, std::string* out);
void WriteListItems(const Doc& d, int indent, std::string* out);

// The value after "key:" or "-": inline for scalars and empty collections, else on the
// following lines. `indent` is the indentation of the key or dash.
void WriteValue(const Doc& v, int indent, bool in_list, std::string* out) {
  if (v.type == Doc::Type::kString && UseLiteralBlock(v.text)) {
    AppendLiteralBlock(v.text, indent + 2, out);
    return;
  }
  if (v.is_scalar()) {
    out->push_back(' ');
    AppendScalar(v, out);
    out->push_back('\n');
    return;
  }
  bool empty = v.type == Doc::Type::kMap ? v.fields.empty() : v.items.empty();
  if (empty) {
    out->append(v.type == Doc::Type::kMap ? " {}\n" : " []\n");
    return;
  }
  if (in_list) {
    // "- key: v" / "- - x": the first line continues after the dash.
    std::string nested;
    if (v.type == Doc::Type::kMap) {
      WriteMapEntries(v, indent + 2, &nested);
    } else {
      WriteListItems(v, indent + 2, &nested);
    }
    out->push_back(' ');
    out->append(nested, static_cast<size_t>(indent + 2), std::string::npos);
    return;
  }
  out->push_back('\n');
  if (v.type == Doc::Type::kMap) {
    WriteMapEntries(v, indent + 2, out);
  } else {
    WriteListItems(v, indent, out);  // kubectl style: dashes level with the key
  }
}

// YAML limits an implicit ("key: value") key to 1024 characters; longer keys are
// written in the explicit form "? key" / ": value".
constexpr size_t kMaxImplicitKey = 1024;

void WriteMapEntries(const Doc& d, int indent, std::string* out) {
  std::string key_text;
  for (const auto& [key, value] : d.fields) {
    key_text.clear();
    AppendKey(key, &key_text);
    out->append(static_cast<size_t>(indent), ' ');
    if (key_text.size() >= kMaxImplicitKey) {
      out->append("? ");
      out->append(key_text);
      out->push_back('\n');
      out->append(static_cast<size_t>(indent), ' ');
    } else {
      out->append(key_text);
    }
    out->push_back(':');
    WriteValue(value, indent, /*in_list=*/false, out);
  }
}

void WriteListItems(const Doc& d, int indent, std::string* out) {
  for (const Doc& item : d.items) {
    out->append(static_cast<size_t>(indent), ' ');
    out->push_back('-');
    WriteValue(item, indent, /*in_list=*/true, out);
  }
}

}  // namespace

std::string DocToYaml(const Doc& doc) {
  std::string out;
  if (doc.type == Doc::Type::kMap && !doc.fields.empty()) {
    WriteMapEntries(doc, 0, &out);
  } else if (doc.type == Doc::Type::kList && !doc.items.empty()) {
    WriteListItems(doc, 0, &out);
  } else if (doc.type == Doc::Type::kString && UseLiteralBlock(doc.text)) {
    AppendLiteralBlock(doc.text, 2, &out);
    out.erase(0, 1);  // no space before the top-level "|"
  } else {
    AppendScalar(doc, &out);
    if (doc.is_scalar()) {
      out.push_back('\n');
    } else {
      out.append(doc.type == Doc::Type::kMap ? "{}\n" : "[]\n");
    }
  }
  return out;
}

}  // namespace skiff::api
