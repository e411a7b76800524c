// Typed helpers over ApiClient: T is a kind message (skiff::api::Pod, ...).
// The request kind comes from the kind registry; results are parsed into T.
#pragma once

#include <string>
#include <vector>

#include "api/client/client.h"
#include "api/kinds.h"

namespace skiff::api {

template <typename T>
std::string KindName() {
  const KindInfo* k = FindKind(T::descriptor());
  return k ? std::string(k->kind) : std::string(T::descriptor()->name());
}

template <typename T>
Result<T> ParseAs(const std::string& bytes) {
  T out;
  if (!out.ParseFromString(bytes)) return Internal("server sent a malformed " + KindName<T>());
  return out;
}

template <typename T>
Result<T> GetObject(ApiClient& client, const std::string& ns, const std::string& name) {
  GetRequest req;
  req.set_kind(KindName<T>());
  req.set_namespace_(ns);
  req.set_name(name);
  auto r = client.Get(req);
  if (!r.ok()) return r.status();
  return ParseAs<T>(r->object());
}

// Creates `object`; the server's answer as it comes (the stored object, serialized).
template <typename T>
Result<ObjectResponse> CreateObjectRaw(ApiClient& client, const T& object) {
  CreateRequest req;
  req.set_kind(KindName<T>());
  req.set_object(object.SerializeAsString());
  return client.Create(req);
}

template <typename T>
Result<T> CreateObject(ApiClient& client, const T& object) {
  auto r = CreateObjectRaw(client, object);
  if (!r.ok()) return r.status();
  return ParseAs<T>(r->object());
}

// `status`: write only .status (the status subresource).
template <typename T>
Result<T> UpdateObject(ApiClient& client, const T& object, bool status = false) {
  UpdateRequest req;
  req.set_kind(KindName<T>());
  req.set_object(object.SerializeAsString());
  if (status) req.set_subresource("status");
  auto r = client.Update(req);
  if (!r.ok()) return r.status();
  return ParseAs<T>(r->object());
}

template <typename T>
Status DeleteObject(ApiClient& client, const std::string& ns, const std::string& name,
                    const std::string& propagation = "") {
  DeleteRequest req;
  req.set_kind(KindName<T>());
  req.set_namespace_(ns);
  req.set_name(name);
  req.set_propagation_policy(propagation);
  return client.Delete(req).status();
}

template <typename T>
Result<std::vector<T>> ListObjects(ApiClient& client, const std::string& ns = "",
                                   const std::string& label_selector = "",
                                   const std::string& field_selector = "") {
  ListRequest req;
  req.set_kind(KindName<T>());
  req.set_namespace_(ns);
  req.set_label_selector(label_selector);
  req.set_field_selector(field_selector);
  auto r = client.List(req);
  if (!r.ok()) return r.status();
  std::vector<T> out;
  out.reserve(r->items_size());
  for (const auto& item : r->items()) {
    auto obj = ParseAs<T>(item);
    if (!obj.ok()) return obj.status();
    out.push_back(std::move(*obj));
  }
  return out;
}

}  // namespace skiff::api
