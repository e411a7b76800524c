#include "api/field_error.h"

namespace skiff::api {

std::string FieldError::ToString() const {
  return path.empty() ? message : path + ": " + message;
}

std::string JoinFieldErrors(const FieldErrors& errors) {
  std::string out;
  for (const FieldError& e : errors) {
    if (!out.empty()) out += "; ";
    out += e.ToString();
  }
  return out;
}

std::string Quote(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[(c >> 4) & 0xf];
      out += kHex[c & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string Child(std::string_view path, std::string_view name) {
  if (path.empty()) return std::string(name);
  std::string out(path);
  out += '.';
  out += name;
  return out;
}

std::string Index(std::string_view path, size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

std::string Key(std::string_view path, std::string_view key) {
  return std::string(path) + "[" + std::string(key) + "]";
}

void ErrorList::Required(std::string_view path, std::string_view detail) {
  std::string m = "Required value";
  if (!detail.empty()) m += ": " + std::string(detail);
  errors_.push_back({std::string(path), std::move(m)});
}

void ErrorList::Invalid(std::string_view path, std::string_view value, std::string_view detail) {
  InvalidRaw(path, Quote(value), detail);
}

void ErrorList::Invalid(std::string_view path, int64_t value, std::string_view detail) {
  InvalidRaw(path, std::to_string(value), detail);
}

void ErrorList::InvalidRaw(std::string_view path, std::string_view rendered,
                           std::string_view detail) {
  std::string m = "Invalid value: " + std::string(rendered);
  if (!detail.empty()) m += ": " + std::string(detail);
  errors_.push_back({std::string(path), std::move(m)});
}

void ErrorList::NotSupported(std::string_view path, std::string_view value,
                             const std::vector<std::string_view>& supported) {
  std::string m = "Unsupported value: " + Quote(value);
  if (!supported.empty()) {
    m += ": supported values: ";
    for (size_t i = 0; i < supported.size(); ++i) {
      if (i > 0) m += ", ";
      m += Quote(supported[i]);
    }
  }
  errors_.push_back({std::string(path), std::move(m)});
}

void ErrorList::Duplicate(std::string_view path, std::string_view value) {
  errors_.push_back({std::string(path), "Duplicate value: " + Quote(value)});
}

void ErrorList::Forbidden(std::string_view path, std::string_view detail) {
  errors_.push_back({std::string(path), "Forbidden: " + std::string(detail)});
}

void ErrorList::NotFound(std::string_view path, std::string_view value) {
  errors_.push_back({std::string(path), "Not found: " + Quote(value)});
}

void ErrorList::TooLong(std::string_view path, int64_t max_bytes) {
  errors_.push_back(
      {std::string(path), "Too long: must have at most " + std::to_string(max_bytes) + " bytes"});
}

void ErrorList::TooMany(std::string_view path, int64_t actual, int64_t max_items) {
  errors_.push_back({std::string(path), "Too many: " + std::to_string(actual) +
                                            ": must have at most " + std::to_string(max_items) +
                                            " items"});
}

void ErrorList::AddProblems(std::string_view path, std::string_view value,
                            const std::vector<std::string>& problems) {
  for (const std::string& p : problems)
    Invalid(path, value, p);
}

}  // namespace skiff::api
