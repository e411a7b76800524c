// ApiClusterSource: feeds ClusterState from the API server through the
// informer (Services, EndpointSlices, and Pods when pod records are
// `verified`), the watch-fed source behind `skiff-dns --config FILE`.
// Every event becomes an Upsert*/Delete*; once every informer has its first
// list, the state is marked synced and cluster names stop answering
// SERVFAIL. A dropped watch resumes (the informer re-lists on compaction and
// delivers the difference), so the zone converges after outages; the last
// snapshot keeps serving meanwhile.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "api/client/client.h"
#include "api/client/informer.h"
#include "dns/cluster_source.h"
#include "dns/cluster_state.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"

namespace skiff::dns {

class ApiClusterSource : public ClusterSource {
 public:
  // `watch_pods`: also feed Pods (for `--pods verified`).
  ApiClusterSource(std::unique_ptr<api::ApiClient> client, bool watch_pods);
  ~ApiClusterSource() override;

  Status Start(ClusterState& state) override;
  void Stop() override;

 private:
  std::unique_ptr<api::ApiClient> client_;
  bool watch_pods_;
  ClusterState* state_ = nullptr;
  std::unique_ptr<api::Informer<api::Service>> services_;
  std::unique_ptr<api::Informer<api::EndpointSlice>> slices_;
  std::unique_ptr<api::Informer<api::Pod>> pods_;
  std::thread sync_waiter_;
  std::atomic<bool> stopping_{false};
};

// The conversions, exposed for tests.
Service ToDnsService(const api::Service& s);
EndpointSlice ToDnsSlice(const api::EndpointSlice& s);
Pod ToDnsPod(const api::Pod& p);

}  // namespace skiff::dns
