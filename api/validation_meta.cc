// Validation of ObjectMeta (names, namespace, labels, annotations, owner references,
// finalizers).
#include <google/protobuf/map.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "api/labels.h"
#include "api/names.h"
#include "api/validation.h"
#include "api/validation_internal.h"
#include "skiff/api/meta.pb.h"

namespace skiff::api {
namespace {

// generateName is a prefix: Kubernetes allows a trailing '-' by masking it.
Problems CheckName(std::string_view name, NameRule rule, bool prefix) {
  std::string n(name);
  if (prefix && !n.empty() && n.back() == '-' && rule != NameRule::kPathSegment) n.back() = 'a';
  switch (rule) {
    case NameRule::kDNS1123Subdomain:
      return CheckDNS1123Subdomain(n);
    case NameRule::kDNS1123Label:
      return CheckDNS1123Label(n);
    case NameRule::kDNS1035Label:
      return CheckDNS1035Label(n);
    case NameRule::kPathSegment:
      return CheckPathSegmentName(n, prefix);
  }
  return {};
}

}  // namespace

void ValidateAnnotations(const StringMap& annotations, std::string_view path, ErrorList* e) {
  std::map<std::string, std::string> sorted(annotations.begin(), annotations.end());
  int64_t total = 0;
  for (const auto& [k, v] : sorted) {
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    e->AddProblems(Key(path, k), k, CheckQualifiedName(lower));
    total += static_cast<int64_t>(k.size() + v.size());
  }
  if (total > kMaxAnnotationsBytes) e->TooLong(path, kMaxAnnotationsBytes);
}

void ValidateTemplateMeta(const ObjectMeta& meta, std::string_view path, ErrorList* e) {
  ValidateLabels(meta.labels(), Child(path, "labels"), e);
  ValidateAnnotations(meta.annotations(), Child(path, "annotations"), e);
}

void ValidateObjectMeta(const ObjectMeta& meta, bool namespaced, NameRule rule,
                        std::string_view path, ErrorList* e) {
  std::string name_path = Child(path, "name");
  if (meta.name().empty() && meta.generate_name().empty()) {
    e->Required(name_path, "name or generateName is required");
  }
  if (!meta.name().empty())
    e->AddProblems(name_path, meta.name(), CheckName(meta.name(), rule, false));
  if (!meta.generate_name().empty()) {
    e->AddProblems(Child(path, "generateName"), meta.generate_name(),
                   CheckName(meta.generate_name(), rule, true));
  }
  std::string ns_path = Child(path, "namespace");
  if (namespaced) {
    if (!meta.namespace_().empty()) {
      e->AddProblems(ns_path, meta.namespace_(), CheckDNS1123Label(meta.namespace_()));
    }
  } else if (!meta.namespace_().empty()) {
    e->Forbidden(ns_path, "not allowed on this type");
  }
  CheckNonNegative(e, Child(path, "generation"), meta.generation());
  if (meta.has_deletion_grace_period_seconds()) {
    CheckNonNegative(e, Child(path, "deletionGracePeriodSeconds"),
                     meta.deletion_grace_period_seconds());
  }
  ValidateLabels(meta.labels(), Child(path, "labels"), e);
  ValidateAnnotations(meta.annotations(), Child(path, "annotations"), e);

  std::string owners_path = Child(path, "ownerReferences");
  std::vector<std::string> controllers;
  for (int i = 0; i < meta.owner_references_size(); ++i) {
    const OwnerReference& o = meta.owner_references(i);
    std::string p = Index(owners_path, i);
    if (o.api_version().empty()) e->Required(Child(p, "apiVersion"), "version must not be empty");
    if (o.kind().empty()) e->Required(Child(p, "kind"), "kind must not be empty");
    if (o.name().empty()) e->Required(Child(p, "name"), "name must not be empty");
    if (o.uid().empty()) e->Required(Child(p, "uid"), "uid must not be empty");
    if (o.controller()) controllers.push_back(o.kind() + "/" + o.name());
  }
  if (controllers.size() > 1) {
    std::string list;
    for (const std::string& c : controllers)
      list += (list.empty() ? "" : ", ") + c;
    e->InvalidRaw(owners_path, "[" + list + "]",
                  "Only one reference can have Controller set to true. Found \"true\" in "
                  "references for " +
                      list);
  }

  std::set<std::string> seen;
  for (int i = 0; i < meta.finalizers_size(); ++i) {
    const std::string& f = meta.finalizers(i);
    std::string p = Index(Child(path, "finalizers"), i);
    e->AddProblems(p, f, CheckQualifiedName(f));
    if (!seen.insert(f).second) e->Duplicate(p, f);
  }
}

}  // namespace skiff::api
