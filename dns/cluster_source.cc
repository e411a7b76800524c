#include "dns/cluster_source.h"

#include "api/client/remote_client.h"
#include "common/log.h"
#include "dns/api_source.h"
#include "dns/static_records.h"

namespace skiff::dns {

Status StaticFileSource::Start(ClusterState& state) {
  state_ = &state;
  SKIFF_RETURN_IF_ERROR(Reload());
  state.MarkSynced();
  return Status::Ok();
}

Status StaticFileSource::Reload() {
  auto objs = LoadStaticRecords(path_);
  if (!objs.ok()) return objs.status();
  SKIFF_RETURN_IF_ERROR(state_->ReplaceAll(objs->services, objs->slices, objs->pods));
  state_->Flush();
  log::Get("dns")->info("static records loaded file={} services={} endpointslices={} pods={}",
                        path_, objs->services.size(), objs->slices.size(), objs->pods.size());
  return Status::Ok();
}

Result<std::unique_ptr<ClusterSource>> MakeClusterSource(const Options& o) {
  if (!o.static_records.empty()) {
    return std::unique_ptr<ClusterSource>(new StaticFileSource(o.static_records));
  }
  if (!o.config.empty()) {
    auto client = api::ConnectFromFile(o.config);
    if (!client.ok()) return client.status().WithContext("--config " + o.config);
    return std::unique_ptr<ClusterSource>(
        new ApiClusterSource(std::move(*client), o.cluster.pod_mode == PodMode::kVerified));
  }
  return InvalidArgument(
      "no record source: give --config FILE (API server) or --static-records FILE");
}

}  // namespace skiff::dns
