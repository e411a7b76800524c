#include "controlplane/apiserver/grpc_service.h"

#include <chrono>

#include "common/log.h"
#include "common/metrics.h"

namespace skiff::apiserver {
namespace {

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
    if (!status.ok() && status.code() != StatusCode::kNotFound &&
        status.code() != StatusCode::kAlreadyExists && status.code() != StatusCode::kAborted) {
      log::Get("apiserver")->debug("{} {}: {}", verb_, kind_, status.ToString());
    }
    return ToGrpc(status);
  }

 private:
  std::string verb_, kind_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

grpc::Status ToGrpc(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), status.message());
}

ApiService::ApiService(Registry& registry, const auth::TokenAuthenticator& authenticator,
                       std::string store_name)
    : registry_(registry), authenticator_(authenticator), store_name_(std::move(store_name)) {}

Status ApiService::Authenticate(grpc::ServerContext* ctx) const {
  const auto& md = ctx->client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) {
    return Status(StatusCode::kUnauthenticated,
                  "no credentials: send \"authorization: Bearer <token>\" (see admin.conf)");
  }
  std::string_view header(it->second.data(), it->second.size());
  if (!authenticator_.Authenticate(auth::TokenAuthenticator::BearerToken(header))) {
    return Status(StatusCode::kUnauthenticated, "invalid bearer token");
  }
  return Status::Ok();
}

#define SKIFF_UNARY(Verb, ReqT, RespT)                                                    \
  grpc::Status ApiService::Verb(grpc::ServerContext* ctx, const ReqT* req, RespT* resp) { \
    CallMetrics m(#Verb, req->kind());                                                    \
    Status auth = Authenticate(ctx);                                                      \
    if (!auth.ok()) return m.Done(auth);                                                  \
    auto r = registry_.Verb(*req);                                                        \
    if (!r.ok()) return m.Done(r.status());                                               \
    *resp = std::move(*r);                                                                \
    return m.Done(Status::Ok());                                                          \
  }

SKIFF_UNARY(Create, api::CreateRequest, api::ObjectResponse)
SKIFF_UNARY(Get, api::GetRequest, api::ObjectResponse)
SKIFF_UNARY(List, api::ListRequest, api::ListResponse)
SKIFF_UNARY(Update, api::UpdateRequest, api::ObjectResponse)
SKIFF_UNARY(Delete, api::DeleteRequest, api::ObjectResponse)
#undef SKIFF_UNARY

grpc::Status ApiService::Watch(grpc::ServerContext* ctx, const api::WatchRequest* req,
                               grpc::ServerWriter<api::WatchEvent>* writer) {
  CallMetrics m("Watch", req->kind());
  Status auth = Authenticate(ctx);
  if (!auth.ok()) return m.Done(auth);
  auto watch = registry_.Watch(*req);
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
  Status auth = Authenticate(ctx);
  if (!auth.ok()) return m.Done(auth);
  resp->set_version(SKIFF_VERSION);
  resp->set_store(store_name_);
  return m.Done(Status::Ok());
}

}  // namespace skiff::apiserver
