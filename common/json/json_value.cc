// Value and Object members: lookups, mutation and deep equality.
#include <cstdint>
#include <limits>

#include "common/json/json.h"

namespace skiff::json {

Object::Object() = default;
Object::Object(std::initializer_list<Member> members) {
  members_.reserve(members.size());
  for (const Member& m : members)
    Set(m.key, m.value);
}
Object::Object(const Object&) = default;
Object::Object(Object&&) noexcept = default;
Object& Object::operator=(const Object&) = default;
Object& Object::operator=(Object&&) noexcept = default;
Object::~Object() = default;

const Value* Object::Find(std::string_view key) const {
  for (const Member& m : members_) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

Value* Object::Find(std::string_view key) {
  for (Member& m : members_) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

Value& Object::Set(std::string_view key, Value value) {
  if (Value* existing = Find(key)) {
    *existing = std::move(value);
    return *existing;
  }
  members_.push_back(Member{std::string(key), std::move(value)});
  return members_.back().value;
}

void Object::AppendUnique(std::string key, Value value) {
  members_.push_back(Member{std::move(key), std::move(value)});
}

Value& Object::operator[](std::string_view key) {
  if (Value* existing = Find(key)) return *existing;
  members_.push_back(Member{std::string(key), Value()});
  return members_.back().value;
}

bool Object::Erase(std::string_view key) {
  for (auto it = members_.begin(); it != members_.end(); ++it) {
    if (it->key == key) {
      members_.erase(it);
      return true;
    }
  }
  return false;
}

size_t Object::size() const {
  return members_.size();
}
bool Object::empty() const {
  return members_.empty();
}
Object::iterator Object::begin() {
  return members_.begin();
}
Object::iterator Object::end() {
  return members_.end();
}
Object::const_iterator Object::begin() const {
  return members_.begin();
}
Object::const_iterator Object::end() const {
  return members_.end();
}

bool operator==(const Object& a, const Object& b) {
  if (a.size() != b.size()) return false;
  for (const Member& m : a.members_) {
    const Value* other = b.Find(m.key);
    if (other == nullptr || !(m.value == *other)) return false;
  }
  return true;
}

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "bool";
    case Type::kInt:
      return "integer";
    case Type::kDouble:
      return "number";
    case Type::kString:
      return "string";
    case Type::kArray:
      return "array";
    case Type::kObject:
      return "object";
  }
  return "unknown";
}

Value::Value(uint64_t v) {
  if (v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    v_ = static_cast<int64_t>(v);
  } else {
    v_ = static_cast<double>(v);
  }
}

double Value::as_double() const {
  if (is_int()) return static_cast<double>(as_int());
  return std::get<double>(v_);
}

const Value* Value::Find(std::string_view key) const {
  return is_object() ? as_object().Find(key) : nullptr;
}

Value* Value::Find(std::string_view key) {
  return is_object() ? as_object().Find(key) : nullptr;
}

bool operator==(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  return a.v_ == b.v_;
}

}  // namespace skiff::json
