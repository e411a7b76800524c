// Strict recursive-descent JSON parser. Errors carry the byte offset of the
// offending character; line and column are computed only when an error occurs.
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_set>

#include "common/json/json.h"

namespace skiff::json {
namespace {

class Parser {
 public:
  Parser(std::string_view text, const ParseOptions& options) : s_(text), opt_(options) {}

  bool ParseDocument(Value* out) {
    SkipWhitespace();
    if (!ParseValue(out, 0)) return false;
    SkipWhitespace();
    if (pos_ != s_.size()) return Fail("unexpected content after the JSON value");
    return true;
  }

  size_t error_offset() const { return error_offset_; }
  const std::string& error_message() const { return error_; }

 private:
  bool Fail(std::string message) { return FailAt(pos_, std::move(message)); }
  bool FailAt(size_t offset, std::string message) {
    error_offset_ = offset;
    error_ = std::move(message);
    return false;
  }

  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return s_[pos_]; }

  void SkipWhitespace() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  bool ParseValue(Value* out, int depth) {
    if (AtEnd()) return Fail("unexpected end of input, expected a value");
    switch (Peek()) {
      case '{':
        return ParseObject(out, depth + 1);
      case '[':
        return ParseArray(out, depth + 1);
      case '"': {
        std::string str;
        if (!ParseString(&str)) return false;
        *out = Value(std::move(str));
        return true;
      }
      case 't':
        return ParseLiteral("true", Value(true), out);
      case 'f':
        return ParseLiteral("false", Value(false), out);
      case 'n':
        return ParseLiteral("null", Value(nullptr), out);
      default:
        if (Peek() == '-' || (Peek() >= '0' && Peek() <= '9')) return ParseNumber(out);
        return Fail(std::string("unexpected character '") + Printable(Peek()) +
                    "', expected a value");
    }
  }

  static std::string Printable(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string(1, c);
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", u);
    return buf;
  }

  bool ParseLiteral(std::string_view word, Value literal, Value* out) {
    if (s_.substr(pos_, word.size()) != word) {
      return Fail("invalid literal, expected '" + std::string(word) + "'");
    }
    pos_ += word.size();
    *out = std::move(literal);
    return true;
  }

  bool ParseNumber(Value* out) {
    size_t start = pos_;
    bool integral = true;
    if (Peek() == '-') ++pos_;
    if (AtEnd() || !IsDigit(Peek())) return Fail("invalid number: expected a digit");
    if (Peek() == '0') {
      ++pos_;
      if (!AtEnd() && IsDigit(Peek())) return Fail("invalid number: leading zero");
    } else {
      while (!AtEnd() && IsDigit(Peek()))
        ++pos_;
    }
    if (!AtEnd() && Peek() == '.') {
      integral = false;
      ++pos_;
      if (AtEnd() || !IsDigit(Peek())) return Fail("invalid number: expected a digit after '.'");
      while (!AtEnd() && IsDigit(Peek()))
        ++pos_;
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      integral = false;
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (AtEnd() || !IsDigit(Peek())) {
        return Fail("invalid number: expected a digit in the exponent");
      }
      while (!AtEnd() && IsDigit(Peek()))
        ++pos_;
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + pos_;
    if (integral) {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(first, last, v);
      if (ec == std::errc() && ptr == last) {
        *out = Value(v);
        return true;
      }
      // Out of int64 range: fall through to double, like most JSON readers.
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(first, last, d);
    if (ec == std::errc::result_out_of_range || !std::isfinite(d)) {
      return FailAt(start, "number out of range");
    }
    if (ec != std::errc() || ptr != last) return FailAt(start, "invalid number");
    *out = Value(d);
    return true;
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  static int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool ParseHex4(uint32_t* out) {
    if (s_.size() - pos_ < 4) return Fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = HexValue(s_[pos_ + i]);
      if (h < 0) return FailAt(pos_ + i, "invalid hex digit in \\u escape");
      v = (v << 4) | static_cast<uint32_t>(h);
    }
    pos_ += 4;
    *out = v;
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // Validates one UTF-8 sequence starting at pos_ (first byte >= 0x80) and
  // copies it; rejects overlong forms, surrogates and code points > U+10FFFF.
  bool CopyUtf8Sequence(std::string* out) {
    const auto* p = reinterpret_cast<const unsigned char*>(s_.data());
    unsigned char b0 = p[pos_];
    int len = 0;
    uint32_t min = 0;
    uint32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2, min = 0x80, cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3, min = 0x800, cp = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4, min = 0x10000, cp = b0 & 0x07;
    } else {
      return Fail("invalid UTF-8 byte in string");
    }
    if (s_.size() - pos_ < static_cast<size_t>(len)) return Fail("truncated UTF-8 sequence");
    for (int i = 1; i < len; ++i) {
      unsigned char b = p[pos_ + i];
      if ((b & 0xC0) != 0x80) return FailAt(pos_ + i, "invalid UTF-8 continuation byte");
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return Fail("invalid UTF-8 sequence in string");
    }
    out->append(s_.data() + pos_, len);
    pos_ += len;
    return true;
  }

  bool ParseString(std::string* out) {
    ++pos_;  // opening quote
    while (true) {
      // Copy runs of plain bytes in one go.
      size_t run = pos_;
      while (run < s_.size()) {
        unsigned char c = static_cast<unsigned char>(s_[run]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++run;
      }
      out->append(s_.data() + pos_, run - pos_);
      pos_ = run;
      if (AtEnd()) return Fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(Peek());
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Fail("unescaped control character in string");
      if (c >= 0x80) {
        if (!CopyUtf8Sequence(out)) return false;
        continue;
      }
      // Backslash escape.
      ++pos_;
      if (AtEnd()) return Fail("unterminated escape in string");
      char e = Peek();
      ++pos_;
      switch (e) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          size_t escape_start = pos_ - 2;
          uint32_t cp = 0;
          if (!ParseHex4(&cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return FailAt(escape_start, "lone low surrogate in \\u escape");
          }
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (s_.substr(pos_, 2) != "\\u") {
              return FailAt(escape_start, "high surrogate not followed by a low surrogate");
            }
            pos_ += 2;
            uint32_t low = 0;
            if (!ParseHex4(&low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) {
              return FailAt(escape_start, "high surrogate not followed by a low surrogate");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          return FailAt(pos_ - 1, std::string("invalid escape '\\") + Printable(e) + "'");
      }
    }
  }

  bool ParseArray(Value* out, int depth) {
    if (depth > opt_.max_depth) return Fail("nesting deeper than the limit");
    ++pos_;  // '['
    Array items;
    SkipWhitespace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      *out = Value(std::move(items));
      return true;
    }
    while (true) {
      SkipWhitespace();
      Value item;
      if (!ParseValue(&item, depth)) return false;
      items.push_back(std::move(item));
      SkipWhitespace();
      if (AtEnd()) return Fail("unterminated array, expected ',' or ']'");
      if (Peek() == ',') {
        ++pos_;
        SkipWhitespace();
        if (!AtEnd() && Peek() == ']') return Fail("trailing comma in array");
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        *out = Value(std::move(items));
        return true;
      }
      return Fail("expected ',' or ']' in array");
    }
  }

  bool ParseObject(Value* out, int depth) {
    if (depth > opt_.max_depth) return Fail("nesting deeper than the limit");
    ++pos_;  // '{'
    Object obj;
    // Small objects check duplicates linearly; large ones switch to a hash set
    // so adversarial input stays linear.
    std::unordered_set<std::string> seen;
    SkipWhitespace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      *out = Value(std::move(obj));
      return true;
    }
    while (true) {
      SkipWhitespace();
      if (AtEnd()) return Fail("unterminated object, expected a key");
      if (Peek() != '"') {
        return Fail(Peek() == '}' ? "trailing comma in object" : "expected a string key in object");
      }
      size_t key_offset = pos_;
      std::string key;
      if (!ParseString(&key)) return false;
      SkipWhitespace();
      if (AtEnd() || Peek() != ':') return Fail("expected ':' after object key");
      ++pos_;
      SkipWhitespace();
      Value item;
      if (!ParseValue(&item, depth)) return false;
      bool duplicate = false;
      if (obj.size() < kLinearKeys) {
        duplicate = obj.Contains(key);
        if (obj.size() + 1 == kLinearKeys) {
          for (const Member& m : obj)
            seen.insert(m.key);
          seen.insert(key);
        }
      } else {
        duplicate = !seen.insert(key).second;
      }
      if (duplicate) {
        if (!opt_.allow_duplicate_keys) {
          return FailAt(key_offset, "duplicate object key \"" + key + "\"");
        }
        obj.Set(key, std::move(item));
      } else {
        obj.AppendUnique(std::move(key), std::move(item));
      }
      SkipWhitespace();
      if (AtEnd()) return Fail("unterminated object, expected ',' or '}'");
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        *out = Value(std::move(obj));
        return true;
      }
      return Fail("expected ',' or '}' in object");
    }
  }

  static constexpr size_t kLinearKeys = 16;

  std::string_view s_;
  const ParseOptions& opt_;
  size_t pos_ = 0;
  size_t error_offset_ = 0;
  std::string error_;
};

}  // namespace

std::string ParseError::ToString() const {
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + " (offset " +
         std::to_string(offset) + "): " + message;
}

Result<Value> Parse(std::string_view text, const ParseOptions& options, ParseError* error) {
  Parser parser(text, options);
  Value value;
  if (parser.ParseDocument(&value)) return value;
  ParseError e;
  e.offset = parser.error_offset();
  e.message = parser.error_message();
  for (size_t i = 0; i < e.offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++e.line;
      e.column = 1;
    } else {
      ++e.column;
    }
  }
  Status status = InvalidArgument("json: " + e.ToString());
  if (error != nullptr) *error = std::move(e);
  return status;
}

}  // namespace skiff::json
