// ApiServiceSource: the proxy's ServiceSource fed by the API server's
// watch (skiff-proxy --config FILE): Services and EndpointSlices through
// the informer, mapped onto dataplane/core's model. kSynced is sent once,
// after both first lists, so the proxy then removes pinned entries of
// Services that no longer exist; later re-lists (after compaction) arrive as
// ordinary upserts and deletes. While the API server is unreachable the
// informer keeps retrying and the data plane keeps serving its last state.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api/client/client.h"
#include "api/client/informer.h"
#include "dataplane/core/source.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"

namespace skiff::dataplane {

class ApiServiceSource : public ServiceSource {
 public:
  explicit ApiServiceSource(std::unique_ptr<api::ApiClient> client);
  ~ApiServiceSource() override;

  Status Start(EventHandler handler) override;
  void Stop() override;
  bool Healthy() const override;

 private:
  void Emit(ServiceEvent ev);

  std::unique_ptr<api::ApiClient> client_;
  std::mutex emit_mu_;
  EventHandler handler_;
  std::unique_ptr<api::Informer<api::Service>> services_;
  std::unique_ptr<api::Informer<api::EndpointSlice>> slices_;
  std::thread sync_waiter_;
  std::atomic<bool> stopping_{false};
};

// Connects with the client config at `path` (admin.conf format).
Result<std::unique_ptr<ServiceSource>> MakeApiServiceSource(const std::string& path);

// The mappings, exposed for tests.
Service ToModel(const api::Service& s);
EndpointSlice ToModel(const api::EndpointSlice& s);

}  // namespace skiff::dataplane
