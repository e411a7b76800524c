// LocalClient: an ApiClient that calls the Registry in-process, for the
// controllers running inside skiff-server (no TLS, no serialization hop
// beyond the objects themselves). Same semantics as the remote client.
#pragma once

#include "api/client/client.h"
#include "controlplane/apiserver/registry.h"

namespace skiff::apiserver {

class LocalClient : public api::ApiClient {
 public:
  explicit LocalClient(Registry& registry) : registry_(registry) {}

  Result<api::ObjectResponse> Create(const api::CreateRequest& r) override {
    return registry_.Create(r);
  }
  Result<api::ObjectResponse> Get(const api::GetRequest& r) override { return registry_.Get(r); }
  Result<api::ListResponse> List(const api::ListRequest& r) override { return registry_.List(r); }
  Result<api::ObjectResponse> Update(const api::UpdateRequest& r) override {
    return registry_.Update(r);
  }
  Result<api::ObjectResponse> Delete(const api::DeleteRequest& r) override {
    return registry_.Delete(r);
  }
  Result<std::unique_ptr<api::WatchStream>> Watch(const api::WatchRequest& r) override {
    return registry_.Watch(r);
  }
  Result<api::VersionResponse> Version() override;

 private:
  Registry& registry_;
};

}  // namespace skiff::apiserver
