// The gRPC face of the API server: authenticates every call (bearer token:
// static, ServiceAccount or node), authorizes it (system:masters, the node
// authorizer, RBAC), runs it on the Registry, records metrics (requests and
// latency by verb, kind and code; open watches) and maps Status to gRPC
// codes. Also issues tokens and answers access reviews.
#pragma once

#include <grpcpp/grpcpp.h>

#include "controlplane/apiserver/registry.h"
#include "controlplane/auth/authenticator.h"
#include "controlplane/auth/authorizer.h"
#include "controlplane/auth/signed_tokens.h"
#include "skiff/api/service.grpc.pb.h"

namespace skiff::apiserver {

struct ApiServiceDeps {
  Registry* registry;
  const auth::Authenticator* authenticator;
  const auth::Authorizer* authorizer;
  const auth::TokenSigner* signer;
  std::string store_name;
};

class ApiService final : public api::ApiServer::Service {
 public:
  explicit ApiService(ApiServiceDeps deps) : d_(std::move(deps)) {}

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
  grpc::Status CreateToken(grpc::ServerContext* ctx, const api::CreateTokenRequest* req,
                           api::CreateTokenResponse* resp) override;
  grpc::Status AccessReview(grpc::ServerContext* ctx, const api::AccessReviewRequest* req,
                            api::AccessReviewResponse* resp) override;

 private:
  Result<auth::UserInfo> Authenticate(grpc::ServerContext* ctx) const;
  // Authenticates and authorizes; PERMISSION_DENIED / UNAUTHENTICATED.
  Status Admit(grpc::ServerContext* ctx, auth::Attributes attrs) const;

  ApiServiceDeps d_;
};

grpc::Status ToGrpc(const Status& status);

// The authorization attributes of a request on `kind_name`: group, resource,
// namespace. INVALID_ARGUMENT for unknown kinds.
Result<auth::Attributes> AttributesFor(std::string_view kind_name, std::string_view verb,
                                       std::string_view ns, std::string_view name);

}  // namespace skiff::apiserver
