// Internal to the Registry (registry.cc, registry_read.cc, registry_binding.cc): how it
// resolves kinds and namespaces and words its errors, shared so that every write path
// answers the same way. Not part of the public API.
#pragma once

#include <string>
#include <string_view>

#include "api/field_error.h"
#include "api/kinds.h"
#include "common/status.h"

namespace skiff::apiserver::internal {

// A kind by name ("Pod") or resource ("pods"); INVALID_ARGUMENT naming it when unknown.
Result<const api::KindInfo*> KindOf(std::string_view name);

// The namespace a request for `kind` addresses: "" for cluster-scoped kinds, "default"
// when a namespaced request names none.
std::string NamespaceFor(const api::KindInfo& kind, std::string_view ns);

// "deployments.apps \"web\"" / "pods \"x\"": how Kubernetes names objects in errors.
std::string Qualified(const api::KindInfo& kind, std::string_view name);

// INVALID_ARGUMENT: `Pod "x" is invalid: <path>: <message>[, ...]`.
Status InvalidObject(const api::KindInfo& kind, std::string_view name,
                     const api::FieldErrors& errors);

// ABORTED: the object changed since the caller read it.
Status Conflict(const api::KindInfo& kind, std::string_view name);

}  // namespace skiff::apiserver::internal
