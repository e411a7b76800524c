#include "controlplane/auth/node_authorizer.h"

#include <algorithm>
#include <set>

#include "api/pod_references.h"

namespace skiff::auth {
namespace {

constexpr const char* kNodeIndex = "node";
constexpr const char* kNodePrefix = "system:node:";

bool IsRead(const std::string& verb) {
  return verb == "get" || verb == "list" || verb == "watch";
}

}  // namespace

NodeAuthorizer::NodeAuthorizer(api::ApiClient& client)
    : pods_(std::make_unique<api::Informer<api::Pod>>(client)) {
  pods_->AddIndex(kNodeIndex, [](const google::protobuf::Message& m) {
    const auto& p = static_cast<const api::Pod&>(m);
    return p.spec().node_name().empty() ? std::vector<std::string>{}
                                        : std::vector<std::string>{p.spec().node_name()};
  });
}

NodeAuthorizer::~NodeAuthorizer() {
  pods_->Stop();
}

void NodeAuthorizer::Start() {
  pods_->Start();
}

bool NodeAuthorizer::WaitForSync(std::chrono::milliseconds timeout) const {
  return pods_->WaitForSync(timeout);
}

bool NodeAuthorizer::Referenced(const std::string& node, const std::string& resource,
                                const std::string& ns, const std::string& name) const {
  for (const auto& pod : pods_->Indexed(kNodeIndex, node)) {
    if (pod->metadata().namespace_() != ns) continue;
    std::vector<std::string> refs;
    if (resource == "secrets") {
      refs = api::ReferencedSecrets(*pod);
    } else if (resource == "configmaps") {
      refs = api::ReferencedConfigMaps(*pod);
    } else if (resource == "serviceaccounts") {
      refs = {pod->spec().service_account_name().empty() ? "default"
                                                         : pod->spec().service_account_name()};
    }
    if (std::find(refs.begin(), refs.end(), name) != refs.end()) return true;
  }
  return false;
}

Decision NodeAuthorizer::Authorize(const Attributes& a, std::string* reason) const {
  bool in_nodes =
      std::find(a.user.groups.begin(), a.user.groups.end(), "system:nodes") != a.user.groups.end();
  if (!in_nodes || a.user.name.rfind(kNodePrefix, 0) != 0) return Decision::kNoOpinion;
  std::string node = a.user.name.substr(std::string(kNodePrefix).size());
  const std::string& r = a.resource;
  auto allow = [&](std::string why) {
    *reason = "node authorizer: " + why;
    return Decision::kAllow;
  };
  if (IsRead(a.verb) && a.api_group.empty() &&
      (r == "nodes" || r == "pods" || r == "services" || r == "namespaces") &&
      a.subresource.empty()) {
    return allow("nodes may read " + r);
  }
  if (IsRead(a.verb) && a.api_group == "discovery.k8s.io" && r == "endpointslices") {
    return allow("nodes may read endpointslices");
  }
  if (r == "nodes" && (a.verb == "create" || a.verb == "update" || a.verb == "patch") &&
      (a.name == node || (a.verb == "create" && a.name.empty()))) {
    return allow("a node may write its own Node");
  }
  if (r == "events" && (a.verb == "create" || a.verb == "update" || a.verb == "patch")) {
    return allow("nodes may record events");
  }
  if (r == "pods" && (a.verb == "delete" || (a.verb == "update" && a.subresource == "status"))) {
    auto pod = pods_->Get(a.ns, a.name);
    if (pod && pod->spec().node_name() == node) return allow("pod is bound to this node");
    *reason = "no relationship found between node '" + node + "' and this pod";
    return Decision::kDeny;
  }
  if ((r == "secrets" || r == "configmaps" || r == "serviceaccounts") && IsRead(a.verb)) {
    if (!a.name.empty() && Referenced(node, r, a.ns, a.name)) {
      return allow("referenced by a pod bound to this node");
    }
    *reason = "no relationship found between node '" + node + "' and this object";
    return Decision::kDeny;
  }
  // Kubelet's token requests for the projected service account tokens of its pods.
  if (r == "serviceaccounts" && a.subresource == "token" && a.verb == "create") {
    if (!a.name.empty() && Referenced(node, r, a.ns, a.name)) {
      return allow("service account of a pod bound to this node");
    }
    *reason = "no relationship found between node '" + node + "' and this serviceaccount";
    return Decision::kDeny;
  }
  *reason = "nodes may not " + a.verb + " " + r;
  return Decision::kDeny;
}

}  // namespace skiff::auth
