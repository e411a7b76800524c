#include "controlplane/metrics/metrics_client.h"

#include <grpcpp/grpcpp.h>

#include "skiff/metrics/metrics.grpc.pb.h"

namespace skiff::metrics {
namespace {

Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return Status::Ok();
  std::string msg = s.error_message();
  switch (s.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      msg = "cannot reach the API server: " + msg;
      break;
    case grpc::StatusCode::UNIMPLEMENTED:
      msg = "the server does not serve the resource metrics API (metrics.k8s.io)";
      break;
    default:
      break;
  }
  return Status(static_cast<StatusCode>(s.error_code()), msg);
}

class RemoteMetricsClient : public MetricsClient {
 public:
  RemoteMetricsClient(std::shared_ptr<grpc::Channel> channel, std::chrono::seconds timeout)
      : stub_(ResourceMetrics::NewStub(std::move(channel))), timeout_(timeout) {}

  Result<NodeMetricsList> ListNodeMetrics(const ListMetricsRequest& request) override {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout_);
    NodeMetricsList out;
    Status s = FromGrpc(stub_->ListNodeMetrics(&ctx, request, &out));
    if (!s.ok()) return s;
    return out;
  }

  Result<PodMetricsList> ListPodMetrics(const ListMetricsRequest& request) override {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout_);
    PodMetricsList out;
    Status s = FromGrpc(stub_->ListPodMetrics(&ctx, request, &out));
    if (!s.ok()) return s;
    return out;
  }

 private:
  std::unique_ptr<ResourceMetrics::Stub> stub_;
  std::chrono::seconds timeout_;
};

}  // namespace

std::unique_ptr<MetricsClient> NewRemoteMetricsClient(const api::ClientConfig& config,
                                                      std::chrono::seconds timeout) {
  return std::make_unique<RemoteMetricsClient>(api::Dial(config), timeout);
}

}  // namespace skiff::metrics
