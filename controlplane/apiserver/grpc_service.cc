#include "controlplane/apiserver/grpc_service.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/util/time_util.h>
#include <google/protobuf/wire_format_lite.h>

#include <chrono>

#include "api/client/typed.h"
#include "api/kinds.h"
#include "common/log.h"
#include "common/metrics.h"
#include "controlplane/apiserver/codec.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/meta.pb.h"

namespace skiff::apiserver {
namespace {

constexpr int64_t kDefaultTokenSeconds = 3600;
constexpr int64_t kMaxTokenSeconds = 365LL * 24 * 3600;

// Times one call and records it under (verb, kind, code).
class CallMetrics {
 public:
  CallMetrics(std::string verb, std::string kind)
      : verb_(std::move(verb)), kind_(std::move(kind)), start_(std::chrono::steady_clock::now()) {}

  grpc::Status Done(const Status& status) {
    auto& reg = metrics::Registry::Default();
    std::string code(StatusCodeName(status.code()));
    reg.GetCounter("skiff_apiserver_requests_total", "API requests by verb, kind and code.",
                   {{"verb", verb_}, {"kind", kind_}, {"code", code}})
        .Inc();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    reg.GetHistogram("skiff_apiserver_request_duration_seconds",
                     "API request latency by verb and kind.", metrics::LatencyBuckets(),
                     {{"verb", verb_}, {"kind", kind_}})
        .Observe(seconds);
    if (status.code() == StatusCode::kPermissionDenied ||
        status.code() == StatusCode::kUnauthenticated) {
      log::Get("apiserver")->info("{} {}: {}", verb_, kind_, status.ToString());
    }
    return ToGrpc(status);
  }

 private:
  std::string verb_, kind_;
  std::chrono::steady_clock::time_point start_;
};

// "metadata.name=x" pinned by a field selector, for name-scoped list/watch.
std::string PinnedName(const std::string& field_selector) {
  constexpr std::string_view kKey = "metadata.name=";
  size_t at = field_selector.find(kKey);
  if (at == std::string::npos || (at > 0 && field_selector[at - 1] != ',')) return "";
  std::string rest = field_selector.substr(at + kKey.size());
  if (!rest.empty() && rest[0] == '=') rest.erase(0, 1);
  return rest.substr(0, rest.find(','));
}

// The namespace and name of the object in a write request (only metadata
// is decoded: field 3 of every kind).
std::pair<std::string, std::string> NamespaceAndName(const std::string& bytes) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  api::ObjectMeta meta;
  for (uint32_t tag; (tag = in.ReadTag()) != 0;) {
    if (tag == ((3 << 3) | 2)) {
      uint32_t len;
      if (!in.ReadVarint32(&len)) break;
      auto limit = in.PushLimit(static_cast<int>(len));
      api::ObjectMeta part;
      if (!part.MergeFromCodedStream(&in)) break;
      in.PopLimit(limit);
      meta.MergeFrom(part);
    } else if (!google::protobuf::internal::WireFormatLite::SkipField(&in, tag)) {
      break;
    }
  }
  return {meta.namespace_(), meta.name()};
}

}  // namespace

grpc::Status ToGrpc(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), status.message());
}

Result<auth::Attributes> AttributesFor(std::string_view kind_name, std::string_view verb,
                                       std::string_view ns, std::string_view name) {
  const api::KindInfo* kind = api::FindKind(kind_name);
  if (!kind) kind = api::FindResource(kind_name);
  if (!kind) return InvalidArgument("unknown kind \"" + std::string(kind_name) + "\"");
  auth::Attributes a;
  a.verb = std::string(verb);
  a.api_group = std::string(kind->group);
  a.resource = std::string(kind->resource);
  a.ns = kind->namespaced ? std::string(ns.empty() ? "default" : ns) : "";
  a.name = std::string(name);
  return a;
}

Result<auth::UserInfo> ApiService::Authenticate(grpc::ServerContext* ctx) const {
  const auto& md = ctx->client_metadata();
  auto it = md.find("authorization");
  std::string_view token;
  if (it != md.end()) {
    token = auth::TokenAuthenticator::BearerToken(
        std::string_view(it->second.data(), it->second.size()));
  }
  return d_.authenticator->Authenticate(token);
}

Status ApiService::Admit(grpc::ServerContext* ctx, auth::Attributes attrs) const {
  auto user = Authenticate(ctx);
  if (!user.ok()) return user.status();
  attrs.user = *user;
  std::string reason;
  if (d_.authorizer->Authorize(attrs, &reason) != auth::Decision::kAllow) {
    return auth::Forbidden(attrs, reason);
  }
  return Status::Ok();
}

grpc::Status ApiService::Create(grpc::ServerContext* ctx, const api::CreateRequest* req,
                                api::ObjectResponse* resp) {
  CallMetrics m("Create", req->kind());
  auto [ns, name] = NamespaceAndName(req->object());
  auto attrs = AttributesFor(req->kind(), "create", ns, name);
  if (!attrs.ok()) return m.Done(attrs.status());
  Status s = Admit(ctx, *attrs);
  if (!s.ok()) return m.Done(s);
  auto r = d_.registry->Create(*req);
  if (!r.ok()) return m.Done(r.status());
  *resp = std::move(*r);
  return m.Done(Status::Ok());
}

grpc::Status ApiService::Get(grpc::ServerContext* ctx, const api::GetRequest* req,
                             api::ObjectResponse* resp) {
  CallMetrics m("Get", req->kind());
  auto attrs = AttributesFor(req->kind(), "get", req->namespace_(), req->name());
  if (!attrs.ok()) return m.Done(attrs.status());
  Status s = Admit(ctx, *attrs);
  if (!s.ok()) return m.Done(s);
  auto r = d_.registry->Get(*req);
  if (!r.ok()) return m.Done(r.status());
  *resp = std::move(*r);
  return m.Done(Status::Ok());
}

grpc::Status ApiService::List(grpc::ServerContext* ctx, const api::ListRequest* req,
                              api::ListResponse* resp) {
  CallMetrics m("List", req->kind());
  auto attrs =
      AttributesFor(req->kind(), "list", req->namespace_(), PinnedName(req->field_selector()));
  if (!attrs.ok()) return m.Done(attrs.status());
  if (req->namespace_().empty()) attrs->ns = "";  // all namespaces
  Status s = Admit(ctx, *attrs);
  if (!s.ok()) return m.Done(s);
  auto r = d_.registry->List(*req);
  if (!r.ok()) return m.Done(r.status());
  *resp = std::move(*r);
  return m.Done(Status::Ok());
}

grpc::Status ApiService::Update(grpc::ServerContext* ctx, const api::UpdateRequest* req,
                                api::ObjectResponse* resp) {
  CallMetrics m("Update", req->kind());
  auto [ns, name] = NamespaceAndName(req->object());
  // A binding is authorized as Kubernetes does it: "create" on pods/binding.
  const char* verb = req->subresource() == "binding" ? "create" : "update";
  auto attrs = AttributesFor(req->kind(), verb, ns, name);
  if (!attrs.ok()) return m.Done(attrs.status());
  attrs->subresource = req->subresource();
  Status s = Admit(ctx, *attrs);
  if (!s.ok()) return m.Done(s);
  auto r = d_.registry->Update(*req);
  if (!r.ok()) return m.Done(r.status());
  *resp = std::move(*r);
  return m.Done(Status::Ok());
}

grpc::Status ApiService::Delete(grpc::ServerContext* ctx, const api::DeleteRequest* req,
                                api::ObjectResponse* resp) {
  CallMetrics m("Delete", req->kind());
  auto attrs = AttributesFor(req->kind(), "delete", req->namespace_(), req->name());
  if (!attrs.ok()) return m.Done(attrs.status());
  Status s = Admit(ctx, *attrs);
  if (!s.ok()) return m.Done(s);
  auto r = d_.registry->Delete(*req);
  if (!r.ok()) return m.Done(r.status());
  *resp = std::move(*r);
  return m.Done(Status::Ok());
}

grpc::Status ApiService::Watch(grpc::ServerContext* ctx, const api::WatchRequest* req,
                               grpc::ServerWriter<api::WatchEvent>* writer) {
  CallMetrics m("Watch", req->kind());
  auto attrs =
      AttributesFor(req->kind(), "watch", req->namespace_(), PinnedName(req->field_selector()));
  if (!attrs.ok()) return m.Done(attrs.status());
  if (req->namespace_().empty()) attrs->ns = "";
  Status s = Admit(ctx, *attrs);
  if (!s.ok()) return m.Done(s);
  auto watch = d_.registry->Watch(*req);
  if (!watch.ok()) return m.Done(watch.status());
  auto& open =
      metrics::Registry::Default().GetGauge("skiff_apiserver_watches", "Open watch streams.");
  open.Add(1);
  api::WatchEvent event;
  Status end;
  for (;;) {
    if (ctx->IsCancelled()) break;
    auto next = (*watch)->Read(&event, std::chrono::milliseconds(500));
    if (next == api::WatchStream::Next::kEnd) {
      end = (*watch)->status();
      break;
    }
    if (next == api::WatchStream::Next::kEvent && !writer->Write(event)) break;
  }
  open.Add(-1);
  return m.Done(end);
}

grpc::Status ApiService::Version(grpc::ServerContext* ctx, const api::VersionRequest*,
                                 api::VersionResponse* resp) {
  CallMetrics m("Version", "");
  auto user = Authenticate(ctx);  // any authenticated user may ask
  if (!user.ok()) return m.Done(user.status());
  resp->set_version(SKIFF_VERSION);
  resp->set_store(d_.store_name);
  return m.Done(Status::Ok());
}

grpc::Status ApiService::CreateToken(grpc::ServerContext* ctx, const api::CreateTokenRequest* req,
                                     api::CreateTokenResponse* resp) {
  CallMetrics m("CreateToken", req->node().empty() ? "ServiceAccount" : "Node");
  int64_t ttl = req->expiration_seconds() > 0 ? req->expiration_seconds() : kDefaultTokenSeconds;
  if (ttl > kMaxTokenSeconds) {
    return m.Done(
        InvalidArgument("expirationSeconds: must be at most " + std::to_string(kMaxTokenSeconds)));
  }
  int64_t now = google::protobuf::util::TimeUtil::GetCurrentTime().seconds();
  auth::TokenClaims claims;
  if (!req->node().empty()) {
    auto attrs = AttributesFor("Node", "create", "", req->node());
    attrs->subresource = "token";
    Status s = Admit(ctx, *attrs);
    if (!s.ok()) return m.Done(s);
    claims = auth::TokenSigner::ForNode(req->node(), now, ttl);
  } else {
    std::string ns = req->namespace_().empty() ? "default" : req->namespace_();
    auto attrs = AttributesFor("ServiceAccount", "create", ns, req->service_account());
    attrs->subresource = "token";
    Status s = Admit(ctx, *attrs);
    if (!s.ok()) return m.Done(s);
    api::GetRequest get;
    get.set_kind("ServiceAccount");
    get.set_namespace_(ns);
    get.set_name(req->service_account());
    auto sa_bytes = d_.registry->Get(get);
    if (!sa_bytes.ok()) return m.Done(sa_bytes.status());
    api::ServiceAccount sa;
    sa.ParseFromString(sa_bytes->object());
    claims = auth::TokenSigner::ForServiceAccount(ns, req->service_account(), sa.metadata().uid(),
                                                  now, ttl);
  }
  resp->set_token(d_.signer->Issue(claims));
  resp->set_expiration_unix(claims.expires_at);
  resp->set_user(claims.user.name);
  return m.Done(Status::Ok());
}

grpc::Status ApiService::AccessReview(grpc::ServerContext* ctx, const api::AccessReviewRequest* req,
                                      api::AccessReviewResponse* resp) {
  CallMetrics m("AccessReview", "");
  auto caller = Authenticate(ctx);
  if (!caller.ok()) return m.Done(caller.status());
  auth::UserInfo subject = *caller;
  if (!req->user().empty()) {
    auth::Attributes imp;
    imp.user = *caller;
    imp.verb = "impersonate";
    imp.resource = "users";
    imp.name = req->user();
    std::string why;
    if (d_.authorizer->Authorize(imp, &why) != auth::Decision::kAllow) {
      return m.Done(auth::Forbidden(imp, why));
    }
    subject = auth::UserInfo{req->user(), "", {req->groups().begin(), req->groups().end()}};
    subject.groups.push_back("system:authenticated");
  }
  // "deployments.apps", "pods/log": resource[.group][/subresource].
  std::string resource = req->resource(), sub;
  if (auto slash = resource.find('/'); slash != std::string::npos) {
    sub = resource.substr(slash + 1);
    resource = resource.substr(0, slash);
  }
  auth::Attributes a;
  if (const api::KindInfo* k = api::FindResource(resource)) {
    a.resource = std::string(k->resource);
    a.api_group = std::string(k->group);
    a.ns = k->namespaced ? (req->namespace_().empty() ? "default" : req->namespace_()) : "";
  } else {
    auto dot = resource.find('.');
    a.resource = resource.substr(0, dot);
    if (dot != std::string::npos) a.api_group = resource.substr(dot + 1);
    a.ns = req->namespace_();
  }
  a.user = subject;
  a.verb = req->verb();
  a.subresource = sub;
  a.name = req->name();
  std::string reason;
  resp->set_allowed(d_.authorizer->Authorize(a, &reason) == auth::Decision::kAllow);
  resp->set_reason(reason);
  resp->set_user(subject.name);
  return m.Done(Status::Ok());
}

}  // namespace skiff::apiserver
