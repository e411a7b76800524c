#include "tools/netctl/json_patch.h"

#include <charconv>

namespace skiff::netctl {
namespace {

// An array index token: digits without leading zeros (RFC 6901 section 4).
bool ParseIndex(const std::string& token, size_t* out) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return false;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
  }
  auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), *out);
  return ec == std::errc() && p == token.data() + token.size();
}

// The value a pointer names; nullptr when any step is missing.
json::Value* Resolve(json::Value* doc, const std::vector<std::string>& tokens, size_t count) {
  json::Value* at = doc;
  for (size_t i = 0; i < count; ++i) {
    if (at->is_object()) {
      at = at->as_object().Find(tokens[i]);
    } else if (at->is_array()) {
      size_t index = 0;
      if (!ParseIndex(tokens[i], &index) || index >= at->as_array().size()) return nullptr;
      at = &at->as_array()[index];
    } else {
      return nullptr;
    }
    if (!at) return nullptr;
  }
  return at;
}

class Patcher {
 public:
  explicit Patcher(json::Value* doc) : doc_(doc) {}

  Status Add(const std::vector<std::string>& path, json::Value value) {
    if (path.empty()) {
      *doc_ = std::move(value);
      return Status::Ok();
    }
    json::Value* parent = Resolve(doc_, path, path.size() - 1);
    if (!parent) return InvalidArgument("the parent of the path does not exist");
    const std::string& last = path.back();
    if (parent->is_object()) {
      parent->as_object().Set(last, std::move(value));
      return Status::Ok();
    }
    if (!parent->is_array()) {
      return InvalidArgument("the parent of the path is a " +
                             std::string(json::TypeName(parent->type())) +
                             ", not an object or array");
    }
    json::Array& array = parent->as_array();
    size_t index = array.size();
    if (last != "-" && (!ParseIndex(last, &index) || index > array.size())) {
      return InvalidArgument("array index \"" + last + "\" is out of range (the array has " +
                             std::to_string(array.size()) + " items)");
    }
    array.insert(array.begin() + static_cast<std::ptrdiff_t>(index), std::move(value));
    return Status::Ok();
  }

  // Removes the value at `path`; the removed value goes to *removed.
  Status Remove(const std::vector<std::string>& path, json::Value* removed) {
    if (path.empty()) return InvalidArgument("cannot remove the whole document");
    json::Value* parent = Resolve(doc_, path, path.size() - 1);
    json::Value* target = parent ? Resolve(parent, {path.back()}, 1) : nullptr;
    if (!target) return InvalidArgument("the path does not exist");
    *removed = std::move(*target);
    if (parent->is_object()) {
      parent->as_object().Erase(path.back());
    } else {
      size_t index = 0;
      ParseIndex(path.back(), &index);
      parent->as_array().erase(parent->as_array().begin() + static_cast<std::ptrdiff_t>(index));
    }
    return Status::Ok();
  }

  Result<json::Value*> Existing(const std::vector<std::string>& path) {
    json::Value* v = Resolve(doc_, path, path.size());
    if (!v) return InvalidArgument("the path does not exist");
    return v;
  }

 private:
  json::Value* doc_;
};

Result<std::vector<std::string>> PointerMember(const json::Object& op, std::string_view member) {
  const json::Value* v = op.Find(member);
  if (!v) return InvalidArgument("missing \"" + std::string(member) + "\"");
  if (!v->is_string()) return InvalidArgument("\"" + std::string(member) + "\" must be a string");
  auto tokens = ParseJsonPointer(v->as_string());
  if (!tokens.ok()) return tokens.status().WithContext(std::string(member));
  return tokens;
}

Status ApplyOne(Patcher& patcher, const json::Object& op) {
  const json::Value* name = op.Find("op");
  if (!name || !name->is_string()) return InvalidArgument("missing \"op\"");
  const std::string& o = name->as_string();
  auto path = PointerMember(op, "path");
  if (!path.ok()) return path.status();
  const json::Value* value = op.Find("value");
  auto need_value = [&]() -> Status {
    return value ? Status::Ok() : InvalidArgument("missing \"value\"");
  };
  if (o == "add") {
    SKIFF_RETURN_IF_ERROR(need_value());
    return patcher.Add(*path, *value);
  }
  if (o == "remove") {
    json::Value removed;
    return patcher.Remove(*path, &removed);
  }
  if (o == "replace") {
    SKIFF_RETURN_IF_ERROR(need_value());
    auto target = patcher.Existing(*path);
    if (!target.ok()) return target.status();
    **target = *value;
    return Status::Ok();
  }
  if (o == "test") {
    SKIFF_RETURN_IF_ERROR(need_value());
    auto target = patcher.Existing(*path);
    if (!target.ok()) return target.status();
    if (!(**target == *value)) {
      return InvalidArgument("test failed: the value is " + json::Serialize(**target) + ", not " +
                             json::Serialize(*value));
    }
    return Status::Ok();
  }
  if (o == "move" || o == "copy") {
    auto from = PointerMember(op, "from");
    if (!from.ok()) return from.status();
    if (o == "move") {
      // A value cannot be moved into one of its own children.
      bool into_itself =
          from->size() < path->size() && std::equal(from->begin(), from->end(), path->begin());
      if (into_itself) return InvalidArgument("cannot move a value into one of its children");
      if (*from == *path) return patcher.Existing(*from).status();
      json::Value moved;
      SKIFF_RETURN_IF_ERROR(patcher.Remove(*from, &moved).WithContext("from"));
      return patcher.Add(*path, std::move(moved));
    }
    auto source = patcher.Existing(*from);
    if (!source.ok()) return source.status().WithContext("from");
    json::Value copy = **source;
    return patcher.Add(*path, std::move(copy));
  }
  return InvalidArgument("unknown op \"" + o +
                         "\" (want add, remove, replace, move, copy or test)");
}

}  // namespace

Result<std::vector<std::string>> ParseJsonPointer(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer[0] != '/') {
    return InvalidArgument("JSON pointer \"" + std::string(pointer) + "\" must start with '/'");
  }
  std::string token;
  for (size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
      continue;
    }
    if (pointer[i] != '~') {
      token += pointer[i];
      continue;
    }
    if (i + 1 < pointer.size() && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
      token += pointer[++i] == '0' ? '~' : '/';
      continue;
    }
    return InvalidArgument("JSON pointer \"" + std::string(pointer) +
                           "\": '~' must be followed by 0 or 1");
  }
  return tokens;
}

Status ApplyJsonPatch(const json::Value& patch, json::Value* doc) {
  if (!patch.is_array()) {
    return InvalidArgument("a JSON patch must be an array of operations, not a " +
                           std::string(json::TypeName(patch.type())));
  }
  json::Value work = *doc;
  Patcher patcher(&work);
  const json::Array& ops = patch.as_array();
  for (size_t i = 0; i < ops.size(); ++i) {
    std::string where = "operation " + std::to_string(i);
    if (!ops[i].is_object()) return InvalidArgument(where + ": must be an object");
    const json::Object& op = ops[i].as_object();
    const json::Value* name = op.Find("op");
    const json::Value* path = op.Find("path");
    if (name && name->is_string() && path && path->is_string()) {
      where += " (" + name->as_string() + " " + path->as_string() + ")";
    }
    Status s = ApplyOne(patcher, op);
    if (!s.ok()) return InvalidArgument(where + ": " + s.message());
  }
  *doc = std::move(work);
  return Status::Ok();
}

json::Value ApplyMergePatch(const json::Value& target, const json::Value& patch) {
  if (!patch.is_object()) return patch;
  json::Value result = target.is_object() ? target : json::Value(json::Object());
  json::Object& out = result.as_object();
  for (const auto& member : patch.as_object()) {
    if (member.value.is_null()) {
      out.Erase(member.key);
      continue;
    }
    const json::Value* current = out.Find(member.key);
    out.Set(member.key, ApplyMergePatch(current ? *current : json::Value(), member.value));
  }
  return result;
}

}  // namespace skiff::netctl
