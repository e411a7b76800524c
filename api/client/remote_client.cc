#include "api/client/remote_client.h"

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "skiff/api/service.grpc.pb.h"

namespace skiff::api {
namespace {

Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return Status::Ok();
  std::string msg = s.error_message();
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
    msg = "cannot reach the API server: " + msg;
  }
  return Status(static_cast<StatusCode>(s.error_code()), msg);
}

class RemoteWatch : public WatchStream {
 public:
  RemoteWatch(ApiServer::Stub* stub, const WatchRequest& req) {
    // A watch outlives server restarts: wait for the channel to reconnect
    // instead of failing at once with the last connection error.
    ctx_.set_wait_for_ready(true);
    reader_ = stub->Watch(&ctx_, req);
    thread_ = std::thread([this] { Pump(); });
  }
  ~RemoteWatch() override {
    Cancel();
    thread_.join();
  }

  Next Read(WatchEvent* event, std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || done_; })) {
      return Next::kTimeout;
    }
    if (!queue_.empty()) {
      *event = std::move(queue_.front());
      queue_.pop_front();
      return Next::kEvent;
    }
    return Next::kEnd;
  }

  void Cancel() override {
    {
      std::lock_guard lock(mu_);
      cancelled_ = true;
    }
    ctx_.TryCancel();
  }

  Status status() const override {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  void Pump() {
    WatchEvent ev;
    while (reader_->Read(&ev)) {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(ev));
      cv_.notify_all();
    }
    grpc::Status s = reader_->Finish();
    std::lock_guard lock(mu_);
    status_ = cancelled_ ? Status::Ok() : FromGrpc(s);
    if (!cancelled_ && s.ok()) status_ = Unavailable("watch closed by the server");
    done_ = true;
    cv_.notify_all();
  }

  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<WatchEvent>> reader_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WatchEvent> queue_;
  bool done_ = false;
  bool cancelled_ = false;
  Status status_;
  std::thread thread_;
};

class RemoteClient : public ApiClient {
 public:
  RemoteClient(std::shared_ptr<grpc::Channel> channel, std::chrono::seconds timeout)
      : stub_(ApiServer::NewStub(channel)), timeout_(timeout) {}

  template <typename Req, typename Resp, typename Method>
  Result<Resp> Call(Method method, const Req& req) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout_);
    Resp resp;
    grpc::Status s = (stub_.get()->*method)(&ctx, req, &resp);
    if (!s.ok()) return FromGrpc(s);
    return resp;
  }

  Result<ObjectResponse> Create(const CreateRequest& r) override {
    return Call<CreateRequest, ObjectResponse>(&ApiServer::Stub::Create, r);
  }
  Result<ObjectResponse> Get(const GetRequest& r) override {
    return Call<GetRequest, ObjectResponse>(&ApiServer::Stub::Get, r);
  }
  Result<ListResponse> List(const ListRequest& r) override {
    return Call<ListRequest, ListResponse>(&ApiServer::Stub::List, r);
  }
  Result<ObjectResponse> Update(const UpdateRequest& r) override {
    return Call<UpdateRequest, ObjectResponse>(&ApiServer::Stub::Update, r);
  }
  Result<ObjectResponse> Delete(const DeleteRequest& r) override {
    return Call<DeleteRequest, ObjectResponse>(&ApiServer::Stub::Delete, r);
  }
  Result<VersionResponse> Version() override {
    return Call<VersionRequest, VersionResponse>(&ApiServer::Stub::Version, VersionRequest());
  }
  Result<CreateTokenResponse> CreateToken(const CreateTokenRequest& r) override {
    return Call<CreateTokenRequest, CreateTokenResponse>(&ApiServer::Stub::CreateToken, r);
  }
  Result<AccessReviewResponse> AccessReview(const AccessReviewRequest& r) override {
    return Call<AccessReviewRequest, AccessReviewResponse>(&ApiServer::Stub::AccessReview, r);
  }
  Result<std::unique_ptr<WatchStream>> Watch(const WatchRequest& r) override {
    return std::unique_ptr<WatchStream>(new RemoteWatch(stub_.get(), r));
  }

 private:
  std::unique_ptr<ApiServer::Stub> stub_;
  std::chrono::seconds timeout_;
};

}  // namespace

std::unique_ptr<ApiClient> NewRemoteClient(const ClientConfig& config,
                                           std::chrono::seconds timeout) {
  return std::make_unique<RemoteClient>(Dial(config), timeout);
}

Result<std::unique_ptr<ApiClient>> ConnectFromFile(const std::string& config_path) {
  auto cfg = LoadClientConfig(config_path);
  if (!cfg.ok()) return cfg.status();
  return NewRemoteClient(*cfg);
}

}  // namespace skiff::api
