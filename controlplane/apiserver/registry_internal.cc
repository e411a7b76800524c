#include "controlplane/apiserver/registry_internal.h"

namespace skiff::apiserver::internal {
namespace {

// `what`.group "name" (the group only when there is one).
std::string GroupQualified(std::string_view what, const api::KindInfo& kind,
                           std::string_view name) {
  std::string out(what);
  if (!kind.group.empty()) {
    out += '.';
    out += kind.group;
  }
  out += " \"";
  out += name;
  out += '"';
  return out;
}

std::string KindQualified(const api::KindInfo& kind, std::string_view name) {
  return GroupQualified(kind.kind, kind, name);
}

}  // namespace

Result<const api::KindInfo*> KindOf(std::string_view name) {
  const api::KindInfo* kind = api::FindKind(name);
  if (!kind) kind = api::FindResource(name);
  if (!kind) return InvalidArgument("unknown kind \"" + std::string(name) + "\"");
  return kind;
}

std::string NamespaceFor(const api::KindInfo& kind, std::string_view ns) {
  if (!kind.namespaced) return "";
  return ns.empty() ? "default" : std::string(ns);
}

std::string Qualified(const api::KindInfo& kind, std::string_view name) {
  return GroupQualified(kind.resource, kind, name);
}

Status InvalidObject(const api::KindInfo& kind, std::string_view name,
                     const api::FieldErrors& errors) {
  std::string msg = KindQualified(kind, name) + " is invalid: ";
  if (errors.size() == 1) {
    msg += errors[0].ToString();
  } else {
    msg += '[';
    for (size_t i = 0; i < errors.size(); ++i) {
      if (i) msg += ", ";
      msg += errors[i].ToString();
    }
    msg += ']';
  }
  return InvalidArgument(msg);
}

Status Conflict(const api::KindInfo& kind, std::string_view name) {
  return Aborted("Operation cannot be fulfilled on " + Qualified(kind, name) +
                 ": the object has been modified; please apply your changes to the latest "
                 "version and try again");
}

}  // namespace skiff::apiserver::internal
