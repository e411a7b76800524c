#include "cni/spec/fields.h"

namespace skiff::cni {

Error Fields::RequireObject() const {
  if (obj_.is_object()) return OkError();
  return Error(code_, (path_.empty() ? std::string("value") : path_) + " must be an object, got " +
                          std::string(json::TypeName(obj_.type())));
}

const json::Value* Fields::Get(std::string_view key) const {
  const json::Value* v = obj_.Find(key);
  return (v == nullptr || v->is_null()) ? nullptr : v;
}

std::string Fields::Path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

Error Fields::Invalid(std::string_view key, std::string_view what) const {
  return Error(code_, Path(key) + ": " + std::string(what));
}

Error Fields::TypeError(std::string_view key, std::string_view want, const json::Value& got) const {
  return Error(code_, Path(key) + " must be " + std::string(want) + ", got " +
                          std::string(json::TypeName(got.type())));
}

Error Fields::String(std::string_view key, std::string* out, bool required) const {
  CNI_RETURN_IF_ERROR(RequireObject());
  const json::Value* v = Get(key);
  if (v == nullptr) {
    return required ? Error(code_, "missing required field " + Path(key)) : OkError();
  }
  if (!v->is_string()) return TypeError(key, "a string", *v);
  *out = v->as_string();
  return OkError();
}

Error Fields::Int(std::string_view key, int64_t* out, int64_t min, int64_t max,
                  bool required) const {
  CNI_RETURN_IF_ERROR(RequireObject());
  const json::Value* v = Get(key);
  if (v == nullptr) {
    return required ? Error(code_, "missing required field " + Path(key)) : OkError();
  }
  if (!v->is_int()) return TypeError(key, "an integer", *v);
  if (v->as_int() < min || v->as_int() > max) {
    return Invalid(key, std::to_string(v->as_int()) + " is out of range [" + std::to_string(min) +
                            ", " + std::to_string(max) + "]");
  }
  *out = v->as_int();
  return OkError();
}

Error Fields::Bool(std::string_view key, bool* out) const {
  CNI_RETURN_IF_ERROR(RequireObject());
  const json::Value* v = Get(key);
  if (v == nullptr) return OkError();
  if (!v->is_bool()) return TypeError(key, "a boolean", *v);
  *out = v->as_bool();
  return OkError();
}

Error Fields::StringList(std::string_view key, std::vector<std::string>* out) const {
  CNI_RETURN_IF_ERROR(RequireObject());
  const json::Value* v = Get(key);
  if (v == nullptr) return OkError();
  if (!v->is_array()) return TypeError(key, "an array of strings", *v);
  std::vector<std::string> items;
  for (size_t i = 0; i < v->as_array().size(); ++i) {
    const json::Value& item = v->as_array()[i];
    if (!item.is_string()) {
      return TypeError(std::string(key) + "[" + std::to_string(i) + "]", "a string", item);
    }
    items.push_back(item.as_string());
  }
  *out = std::move(items);
  return OkError();
}

Error Fields::Ip(std::string_view key, IpAddr* out, bool required) const {
  std::string text;
  CNI_RETURN_IF_ERROR(String(key, &text, required));
  if (Get(key) == nullptr) return OkError();
  auto ip = ParseIp(text);
  if (!ip.ok()) return Invalid(key, ip.status().message());
  *out = *ip;
  return OkError();
}

Error Fields::Prefix(std::string_view key, IpPrefix* out, bool required) const {
  std::string text;
  CNI_RETURN_IF_ERROR(String(key, &text, required));
  if (Get(key) == nullptr) return OkError();
  auto p = ParsePrefix(text);
  if (!p.ok()) return Invalid(key, p.status().message());
  *out = *p;
  return OkError();
}

}  // namespace skiff::cni
