// ApiClient: the API server's operations (skiff.api.ApiServer), behind one
// interface with two implementations: RemoteClient (gRPC over TLS with a
// bearer token, api/client/remote_client.h) for daemons and netctl, and the
// server's in-process client for its own controllers. Objects travel as the
// serialized message of their kind; api/client/typed.h adds typed helpers.
//
// Errors are the server's: NOT_FOUND, ALREADY_EXISTS, ABORTED (conflict),
// INVALID_ARGUMENT (validation, with every field error), OUT_OF_RANGE
// (compacted resourceVersion: re-list), UNAUTHENTICATED, PERMISSION_DENIED,
// UNAVAILABLE (server unreachable). Thread-safety: all methods may be called
// concurrently.
#pragma once

#include <chrono>
#include <memory>

#include "common/status.h"
#include "skiff/api/service.pb.h"

namespace skiff::api {

// A stream of watch events. Not thread-safe except Cancel().
class WatchStream {
 public:
  enum class Next { kEvent, kTimeout, kEnd };
  virtual ~WatchStream() = default;
  // Waits up to `timeout` for the next event. kEnd when the stream ended;
  // status() then says why (OK after Cancel()).
  virtual Next Read(WatchEvent* event, std::chrono::milliseconds timeout) = 0;
  // Ends the stream from any thread; a blocked Read returns kEnd.
  virtual void Cancel() = 0;
  virtual Status status() const = 0;
};

class ApiClient {
 public:
  virtual ~ApiClient() = default;
  virtual Result<ObjectResponse> Create(const CreateRequest& request) = 0;
  virtual Result<ObjectResponse> Get(const GetRequest& request) = 0;
  virtual Result<ListResponse> List(const ListRequest& request) = 0;
  virtual Result<ObjectResponse> Update(const UpdateRequest& request) = 0;
  virtual Result<ObjectResponse> Delete(const DeleteRequest& request) = 0;
  virtual Result<std::unique_ptr<WatchStream>> Watch(const WatchRequest& request) = 0;
  virtual Result<VersionResponse> Version() = 0;
  // Issuing tokens and reviewing access are served by the API server over
  // the network; in-process clients of the control plane do not offer them.
  virtual Result<CreateTokenResponse> CreateToken(const CreateTokenRequest&) {
    return Status(StatusCode::kUnimplemented, "CreateToken is served by the remote API only");
  }
  virtual Result<AccessReviewResponse> AccessReview(const AccessReviewRequest&) {
    return Status(StatusCode::kUnimplemented, "AccessReview is served by the remote API only");
  }
};

}  // namespace skiff::api
