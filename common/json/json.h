// A small, strict JSON library (RFC 8259): a DOM value type, a parser that
// reports the offset/line/column of the first error, and a serializer that
// keeps object members in insertion order (so output is stable and diffable).
//
// Numbers: an integer literal that fits in int64 stays an exact int64; every
// other number (fraction, exponent, out of int64 range) is a double. Doubles
// are written in the shortest form that reads back to the same value.
//
// Thread-safety: a Value is a plain value type; concurrent reads are safe,
// concurrent writes to the same Value are not. No function throws on bad
// input; errors come back as a Status (INVALID_ARGUMENT) naming the position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"

namespace skiff::json {

class Value;
struct Member;

using Array = std::vector<Value>;

// Object members in insertion order. Lookups are linear: objects seen in
// configuration and API payloads are small, and order matters more than
// asymptotics here. Keys are unique: Set() replaces an existing member in place.
class Object {
 public:
  using iterator = std::vector<Member>::iterator;
  using const_iterator = std::vector<Member>::const_iterator;

  Object();
  Object(std::initializer_list<Member> members);
  Object(const Object&);
  Object(Object&&) noexcept;
  Object& operator=(const Object&);
  Object& operator=(Object&&) noexcept;
  ~Object();

  // nullptr when absent.
  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);
  bool Contains(std::string_view key) const { return Find(key) != nullptr; }
  // Replaces the value of an existing key (keeping its position) or appends.
  Value& Set(std::string_view key, Value value);
  // Appends without looking for an existing key: the caller guarantees the key
  // is absent (used by the parser after its own duplicate check).
  void AppendUnique(std::string key, Value value);
  // Returns the member, inserting null at the end when absent.
  Value& operator[](std::string_view key);
  // Returns true when a member was removed.
  bool Erase(std::string_view key);

  size_t size() const;
  bool empty() const;
  iterator begin();
  iterator end();
  const_iterator begin() const;
  const_iterator end() const;

  friend bool operator==(const Object& a, const Object& b);

 private:
  std::vector<Member> members_;
};

enum class Type { kNull, kBool, kInt, kDouble, kString, kArray, kObject };

// "null", "bool", "integer", "number", "string", "array", "object".
std::string_view TypeName(Type type);

class Value {
 public:
  Value() : v_(nullptr) {}
  Value(std::nullptr_t) : v_(nullptr) {}              // NOLINT: implicit by design
  Value(bool b) : v_(b) {}                            // NOLINT
  Value(int v) : v_(static_cast<int64_t>(v)) {}       // NOLINT
  Value(int64_t v) : v_(v) {}                         // NOLINT
  Value(uint32_t v) : v_(static_cast<int64_t>(v)) {}  // NOLINT
  // Values above INT64_MAX become doubles (JSON has one number type).
  Value(uint64_t v);                                 // NOLINT
  Value(double v) : v_(v) {}                         // NOLINT
  Value(const char* s) : v_(std::string(s)) {}       // NOLINT
  Value(std::string s) : v_(std::move(s)) {}         // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}  // NOLINT
  Value(Array a) : v_(std::move(a)) {}               // NOLINT
  Value(Object o) : v_(std::move(o)) {}              // NOLINT

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_int() const { return type() == Type::kInt; }
  bool is_double() const { return type() == Type::kDouble; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  // Typed access. Calling the wrong accessor is a programming error (checked
  // by std::get, which aborts since the project builds without exceptions on
  // these paths in mind: check the type first).
  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  // Any number as double (an int64 converts, possibly rounding).
  double as_double() const;
  const std::string& as_string() const { return std::get<std::string>(v_); }
  std::string& as_string() { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  Object& as_object() { return std::get<Object>(v_); }

  // Member lookup on an object; nullptr when this is not an object or the key
  // is absent.
  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);

  // Numbers compare by value across int/double (1 == 1.0); everything else
  // compares structurally; object member order does not matter.
  friend bool operator==(const Value& a, const Value& b);

 private:
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object> v_;
};

struct Member {
  std::string key;
  Value value;
};

struct ParseOptions {
  // Nesting deeper than this is an error (protects the recursive parser's stack).
  int max_depth = 256;
  // RFC 8259 leaves duplicates undefined; strict by default. When allowed,
  // the last occurrence wins (like Go's encoding/json).
  bool allow_duplicate_keys = false;
};

struct ParseError {
  size_t offset = 0;  // bytes from the start of the input
  size_t line = 1;    // 1-based
  size_t column = 1;  // 1-based, in bytes
  std::string message;
  // "line 1, column 7 (offset 6): expected ':' after object key"
  std::string ToString() const;
};

// Parses exactly one JSON text (surrounding whitespace allowed). Rejects
// trailing commas, comments, leading zeros, NaN/Infinity, unescaped control
// characters, invalid UTF-8, lone surrogates and trailing content. On error
// returns INVALID_ARGUMENT "json: <ParseError::ToString()>" and fills *error
// when given.
Result<Value> Parse(std::string_view text, const ParseOptions& options = {},
                    ParseError* error = nullptr);

struct SerializeOptions {
  // 0: compact, no whitespace. N > 0: pretty-printed with N spaces per level.
  int indent = 0;
};

// Writes `value` as JSON; object members in insertion order. Non-finite
// doubles (which JSON cannot carry) are written as null.
std::string Serialize(const Value& value, const SerializeOptions& options = {});
// Appends to `out` (avoids a copy on hot paths).
void SerializeTo(const Value& value, std::string* out, const SerializeOptions& options = {});

// Appends `s` as a quoted, escaped JSON string.
void AppendQuoted(std::string_view s, std::string* out);

}  // namespace skiff::json
