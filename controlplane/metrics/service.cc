#include "controlplane/metrics/service.h"

#include <google/protobuf/util/time_util.h>

#include "api/labels.h"
#include "api/quantity.h"
#include "common/log.h"

namespace skiff::metrics {
namespace {

using google::protobuf::util::TimeUtil;

constexpr const char* kApiVersion = "metrics.k8s.io/v1beta1";
constexpr const char* kGroup = "metrics.k8s.io";

grpc::Status ToGrpc(const Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), s.message());
}

void SetTimes(WallClock::time_point ts, std::chrono::milliseconds window,
              google::protobuf::Timestamp* out_ts, google::protobuf::Duration* out_window) {
  *out_ts = TimeUtil::NanosecondsToTimestamp(
      std::chrono::duration_cast<std::chrono::nanoseconds>(ts.time_since_epoch()).count());
  *out_window = TimeUtil::MillisecondsToDuration(window.count());
}

std::string Cpu(int64_t nanocores) {
  return api::Quantity::FromNanos(nanocores).ToString();
}

std::string Memory(int64_t bytes) {
  return api::Quantity::FromUnits(bytes, api::Quantity::Format::kBinarySI).ToString();
}

Result<api::Selector> ParseSelector(const ListMetricsRequest& req) {
  auto sel = api::Selector::Parse(req.label_selector());
  if (!sel.ok()) return sel.status().WithContext("labelSelector");
  return sel;
}

}  // namespace

NodeMetrics ToProto(const NodeUsage& u) {
  NodeMetrics m;
  m.set_api_version(kApiVersion);
  m.set_kind("NodeMetrics");
  m.mutable_metadata()->set_name(u.name);
  SetTimes(u.timestamp, u.window, m.mutable_timestamp(), m.mutable_window());
  *m.mutable_metadata()->mutable_creation_timestamp() = m.timestamp();
  (*m.mutable_usage())["cpu"] = Cpu(u.cpu_nanocores);
  (*m.mutable_usage())["memory"] = Memory(u.memory_bytes);
  return m;
}

PodMetrics ToProto(const PodUsage& u) {
  PodMetrics m;
  m.set_api_version(kApiVersion);
  m.set_kind("PodMetrics");
  m.mutable_metadata()->set_name(u.name);
  m.mutable_metadata()->set_namespace_(u.ns);
  SetTimes(u.timestamp, u.window, m.mutable_timestamp(), m.mutable_window());
  *m.mutable_metadata()->mutable_creation_timestamp() = m.timestamp();
  for (const auto& c : u.containers) {
    ContainerMetrics* cm = m.add_containers();
    cm->set_name(c.name);
    (*cm->mutable_usage())["cpu"] = Cpu(c.cpu_nanocores);
    (*cm->mutable_usage())["memory"] = Memory(c.memory_bytes);
  }
  return m;
}

Status MetricsService::Admit(grpc::ServerContext* ctx, const std::string& resource,
                             const std::string& ns, const std::string& name) const {
  const auto& md = ctx->client_metadata();
  auto it = md.find("authorization");
  std::string_view token;
  if (it != md.end()) {
    token = auth::TokenAuthenticator::BearerToken(
        std::string_view(it->second.data(), it->second.size()));
  }
  auto user = d_.authenticator->Authenticate(token);
  if (!user.ok()) return user.status();
  auth::Attributes a;
  a.user = *user;
  a.verb = name.empty() ? "list" : "get";
  a.api_group = kGroup;
  a.resource = resource;
  a.ns = ns;
  a.name = name;
  std::string reason;
  if (d_.authorizer->Authorize(a, &reason) != auth::Decision::kAllow) {
    return auth::Forbidden(a, reason);
  }
  return Status::Ok();
}

grpc::Status MetricsService::ListNodeMetrics(grpc::ServerContext* ctx,
                                             const ListMetricsRequest* req, NodeMetricsList* resp) {
  Status s = Admit(ctx, "nodes", "", req->name());
  if (!s.ok()) return ToGrpc(s);
  auto sel = ParseSelector(*req);
  if (!sel.ok()) return ToGrpc(sel.status());
  auto nodes = d_.source->ListNodeMetrics(*sel);
  if (!nodes.ok()) return ToGrpc(nodes.status());
  for (const auto& n : *nodes) {
    if (!req->name().empty() && n.name != req->name()) continue;
    *resp->add_items() = ToProto(n);
  }
  if (!req->name().empty() && resp->items_size() == 0) {
    return ToGrpc(NotFound("nodemetrics.metrics.k8s.io \"" + req->name() + "\" not found"));
  }
  return grpc::Status::OK;
}

grpc::Status MetricsService::ListPodMetrics(grpc::ServerContext* ctx, const ListMetricsRequest* req,
                                            PodMetricsList* resp) {
  if (!req->name().empty() && req->namespace_().empty()) {
    return ToGrpc(InvalidArgument("a pod name needs a namespace"));
  }
  Status s = Admit(ctx, "pods", req->namespace_(), req->name());
  if (!s.ok()) return ToGrpc(s);
  auto sel = ParseSelector(*req);
  if (!sel.ok()) return ToGrpc(sel.status());
  auto pods = d_.source->ListPodMetrics(req->namespace_(), *sel);
  if (!pods.ok()) return ToGrpc(pods.status());
  for (const auto& p : *pods) {
    if (!req->name().empty() && p.name != req->name()) continue;
    *resp->add_items() = ToProto(p);
  }
  if (!req->name().empty() && resp->items_size() == 0) {
    return ToGrpc(NotFound("podmetrics.metrics.k8s.io \"" + req->name() + "\" not found"));
  }
  return grpc::Status::OK;
}

}  // namespace skiff::metrics
