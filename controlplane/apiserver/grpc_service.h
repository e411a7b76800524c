// The gRPC face of the API server: authenticates every call (bearer token),
// runs it on the Registry, records metrics (requests and latency by verb,
// kind and code; open watches) and maps Status to gRPC status codes.
#pragma once

#include <grpcpp/grpcpp.h>

#include "controlplane/apiserver/registry.h"
#include "controlplane/auth/tokens.h"
#include "skiff/api/service.grpc.pb.h"

namespace skiff::apiserver {

class ApiService final : public api::ApiServer::Service {
 public:
  ApiService(Registry& registry, const auth::TokenAuthenticator& authenticator,
             std::string store_name);

  grpc::Status Create(grpc::ServerContext* ctx, const api::CreateRequest* req,
                      api::ObjectResponse* resp) override;
  grpc::Status Get(grpc::ServerContext* ctx, const api::GetRequest* req,
                   api::ObjectResponse* resp) override;
  grpc::Status List(grpc::ServerContext* ctx, const api::ListRequest* req,
                    api::ListResponse* resp) override;
  grpc::Status Update(grpc::ServerContext* ctx, const api::UpdateRequest* req,
                      api::ObjectResponse* resp) override;
  grpc::Status Delete(grpc::ServerContext* ctx, const api::DeleteRequest* req,
                      api::ObjectResponse* resp) override;
  grpc::Status Watch(grpc::ServerContext* ctx, const api::WatchRequest* req,
                     grpc::ServerWriter<api::WatchEvent>* writer) override;
  grpc::Status Version(grpc::ServerContext* ctx, const api::VersionRequest* req,
                       api::VersionResponse* resp) override;

 private:
  // UNAUTHENTICATED unless the call carries a valid bearer token.
  Status Authenticate(grpc::ServerContext* ctx) const;

  Registry& registry_;
  const auth::TokenAuthenticator& authenticator_;
  std::string store_name_;
};

grpc::Status ToGrpc(const Status& status);

}  // namespace skiff::apiserver
