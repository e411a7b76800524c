#include "controlplane/store/etcd/etcd_store.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/log.h"
#include "controlplane/store/etcd/etcd_rpc.grpc.pb.h"

namespace skiff::store {
namespace {

namespace pb = etcdserverpb;

constexpr const char* kCompactedKey = "/skiff/meta/compacted";

Status FromGrpc(const grpc::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  return Status(static_cast<StatusCode>(s.error_code()),
                std::string(what) + ": " + s.error_message());
}

KeyValue FromPb(const pb::KeyValue& kv) {
  return KeyValue{kv.key(), kv.value(), kv.create_revision(), kv.mod_revision(), kv.version()};
}

void ToPb(const RangeRequest& in, pb::RangeRequest* out) {
  out->set_key(in.key);
  out->set_range_end(in.range_end);
  out->set_limit(in.limit);
  out->set_revision(in.revision);
  out->set_count_only(in.count_only);
}

RangeResponse FromPb(const pb::RangeResponse& in) {
  RangeResponse out;
  out.revision = in.header().revision();
  out.count = in.count();
  out.more = in.more();
  for (const auto& kv : in.kvs())
    out.kvs.push_back(FromPb(kv));
  return out;
}

void ToPb(const Op& op, pb::RequestOp* out) {
  switch (op.type) {
    case Op::Type::kRange: {
      RangeRequest r;
      r.key = op.key;
      r.range_end = op.range_end;
      r.limit = op.limit;
      ToPb(r, out->mutable_request_range());
      break;
    }
    case Op::Type::kPut: {
      auto* put = out->mutable_request_put();
      put->set_key(op.key);
      put->set_value(op.value);
      put->set_prev_kv(op.prev_kv);
      break;
    }
    case Op::Type::kDelete: {
      auto* del = out->mutable_request_delete_range();
      del->set_key(op.key);
      del->set_range_end(op.range_end);
      del->set_prev_kv(op.prev_kv);
      break;
    }
  }
}

void ToPb(const Compare& c, pb::Compare* out) {
  out->set_key(c.key);
  switch (c.result) {
    case Compare::Result::kEqual:
      out->set_result(pb::Compare::EQUAL);
      break;
    case Compare::Result::kNotEqual:
      out->set_result(pb::Compare::NOT_EQUAL);
      break;
    case Compare::Result::kLess:
      out->set_result(pb::Compare::LESS);
      break;
    case Compare::Result::kGreater:
      out->set_result(pb::Compare::GREATER);
      break;
  }
  switch (c.target) {
    case Compare::Target::kVersion:
      out->set_target(pb::Compare::VERSION);
      out->set_version(c.number);
      break;
    case Compare::Target::kCreateRevision:
      out->set_target(pb::Compare::CREATE);
      out->set_create_revision(c.number);
      break;
    case Compare::Target::kModRevision:
      out->set_target(pb::Compare::MOD);
      out->set_mod_revision(c.number);
      break;
    case Compare::Target::kValue:
      out->set_target(pb::Compare::VALUE);
      out->set_value(c.value);
      break;
  }
}

Event FromPb(const pb::Event& e) {
  Event out;
  out.type = e.type() == pb::Event::DELETE ? Event::Type::kDelete : Event::Type::kPut;
  out.kv = FromPb(e.kv());
  if (e.has_prev_kv()) out.prev_kv = FromPb(e.prev_kv());
  return out;
}

// One etcd watch stream per Store::Watch; a reader thread delivers events.
class EtcdWatch : public WatchHandle {
 public:
  EtcdWatch(pb::Watch::Stub* stub, WatchHandler handler)
      : stream_(stub->Watch(&ctx_)), handler_(std::move(handler)) {}

  ~EtcdWatch() override {
    ctx_.TryCancel();
    if (reader_.joinable()) reader_.join();
  }

  // Sends the create request and waits for etcd's answer.
  Status Start(const WatchRequest& req) {
    pb::WatchRequest create;
    auto* c = create.mutable_create_request();
    c->set_key(req.key);
    c->set_range_end(req.range_end);
    c->set_start_revision(req.start_revision);
    c->set_prev_kv(req.prev_kv);
    if (!stream_->Write(create)) return Unavailable("etcd watch: stream closed at create");
    pb::WatchResponse resp;
    if (!stream_->Read(&resp)) return FromGrpc(stream_->Finish(), "etcd watch");
    if (resp.canceled()) {
      ctx_.TryCancel();
      if (resp.compact_revision() > 0) {
        return Status(StatusCode::kOutOfRange,
                      "watch from revision " + std::to_string(req.start_revision) +
                          ": required revision has been compacted (compacted at " +
                          std::to_string(resp.compact_revision()) + ")");
      }
      return Unavailable("etcd watch canceled: " + resp.cancel_reason());
    }
    reader_ = std::thread([this] { ReadLoop(); });
    return Status::Ok();
  }

 private:
  void ReadLoop() {
    pb::WatchResponse resp;
    while (stream_->Read(&resp)) {
      if (resp.canceled()) {
        WatchResponse out;
        out.compact_revision = resp.compact_revision();
        out.status =
            resp.compact_revision() > 0
                ? Status(StatusCode::kOutOfRange, "watch: required revision has been compacted")
                : Unavailable("etcd watch canceled: " + resp.cancel_reason());
        handler_(std::move(out));
        return;
      }
      if (resp.events_size() == 0) continue;  // progress notification
      WatchResponse out;
      out.events.reserve(resp.events_size());
      for (const auto& e : resp.events())
        out.events.push_back(FromPb(e));
      handler_(std::move(out));
    }
    grpc::Status s = stream_->Finish();
    if (s.error_code() == grpc::StatusCode::CANCELLED) return;  // our own cancel
    WatchResponse out;
    out.status = Unavailable("etcd watch stream ended: " + s.error_message());
    handler_(std::move(out));
  }

  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<pb::WatchRequest, pb::WatchResponse>> stream_;
  WatchHandler handler_;
  std::thread reader_;
};

class EtcdStore : public Store {
 public:
  EtcdStore(std::shared_ptr<grpc::Channel> channel, int timeout_ms)
      : kv_(pb::KV::NewStub(channel)),
        watch_(pb::Watch::NewStub(channel)),
        timeout_ms_(timeout_ms) {}

  Result<RangeResponse> Range(const RangeRequest& req) override {
    if (req.key.empty()) return InvalidArgument("range: empty key");
    pb::RangeRequest in;
    ToPb(req, &in);
    pb::RangeResponse out;
    auto ctx = Context();
    SKIFF_RETURN_IF_ERROR(FromGrpc(kv_->Range(ctx.get(), in, &out), "etcd range"));
    return FromPb(out);
  }

  Result<TxnResponse> Txn(const TxnRequest& req) override {
    pb::TxnRequest in;
    for (const auto& c : req.compare)
      ToPb(c, in.add_compare());
    for (const auto& op : req.success)
      ToPb(op, in.add_success());
    for (const auto& op : req.failure)
      ToPb(op, in.add_failure());
    pb::TxnResponse out;
    auto ctx = Context();
    SKIFF_RETURN_IF_ERROR(FromGrpc(kv_->Txn(ctx.get(), in, &out), "etcd txn"));
    TxnResponse resp;
    resp.succeeded = out.succeeded();
    resp.revision = out.header().revision();
    for (const auto& r : out.responses()) {
      OpResult result;
      if (r.has_response_range()) result.range = FromPb(r.response_range());
      if (r.has_response_put() && r.response_put().has_prev_kv()) {
        result.prev_kv = FromPb(r.response_put().prev_kv());
      }
      if (r.has_response_delete_range()) {
        result.deleted = r.response_delete_range().deleted();
        for (const auto& kv : r.response_delete_range().prev_kvs()) {
          result.prev_kvs.push_back(FromPb(kv));
        }
      }
      resp.results.push_back(std::move(result));
    }
    return resp;
  }

  Result<std::unique_ptr<WatchHandle>> Watch(const WatchRequest& req,
                                             WatchHandler handler) override {
    if (req.key.empty()) return InvalidArgument("watch: empty key");
    auto w = std::make_unique<EtcdWatch>(watch_.get(), std::move(handler));
    SKIFF_RETURN_IF_ERROR(w->Start(req));
    return std::unique_ptr<WatchHandle>(std::move(w));
  }

  Status Compact(int64_t revision) override {
    pb::CompactionRequest in;
    in.set_revision(revision);
    in.set_physical(true);
    pb::CompactionResponse out;
    auto ctx = Context();
    SKIFF_RETURN_IF_ERROR(FromGrpc(kv_->Compact(ctx.get(), in, &out), "etcd compact"));
    // Record it only if newer than what is recorded (compactions can race).
    // A value compare on a missing key always fails, so create first.
    std::string value = EncodeRevision(revision);
    TxnRequest create;
    create.compare.push_back(
        {kCompactedKey, Compare::Target::kCreateRevision, Compare::Result::kEqual, 0, ""});
    create.success.push_back({Op::Type::kPut, kCompactedKey, "", value, false, 0});
    auto created = Txn(create);
    if (!created.ok() || created->succeeded) return created.status();
    TxnRequest raise;
    raise.compare.push_back(
        {kCompactedKey, Compare::Target::kValue, Compare::Result::kLess, 0, value});
    raise.success.push_back({Op::Type::kPut, kCompactedKey, "", value, false, 0});
    return Txn(raise).status();
  }

  Result<int64_t> CurrentRevision() override {
    RangeRequest req;
    req.key = kCompactedKey;
    req.count_only = true;
    auto r = Range(req);
    if (!r.ok()) return r.status();
    return r->revision;
  }

  Result<int64_t> CompactedRevision() override {
    auto kv = Get(*this, kCompactedKey);
    if (!kv.ok()) return kv.status();
    if (!kv->has_value()) return int64_t{0};
    return std::stoll((*kv)->value);
  }

 private:
  // Zero-padded so that byte order equals numeric order in value compares.
  static std::string EncodeRevision(int64_t rev) {
    std::string digits = std::to_string(rev);
    return std::string(20 - digits.size(), '0') + digits;
  }

  std::unique_ptr<grpc::ClientContext> Context() const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms_));
    return ctx;
  }

  std::unique_ptr<pb::KV::Stub> kv_;
  std::unique_ptr<pb::Watch::Stub> watch_;
  int timeout_ms_;
};

bool IsIpv4Literal(std::string_view host) {
  return !host.empty() && host.find_first_not_of("0123456789.") == std::string_view::npos;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenEtcdStore(const EtcdStoreOptions& options) {
  if (options.endpoints.empty()) return InvalidArgument("etcd: no endpoints given");
  // gRPC balances over several endpoints with the "ipv4:" scheme; other
  // forms use the first endpoint.
  bool all_ipv4 = true;
  for (const auto& ep : options.endpoints) {
    auto colon = ep.rfind(':');
    if (colon == std::string::npos) {
      return InvalidArgument("etcd endpoint \"" + ep + "\": want host:port");
    }
    all_ipv4 = all_ipv4 && IsIpv4Literal(std::string_view(ep).substr(0, colon));
  }
  std::string target;
  if (all_ipv4) {
    target = "ipv4:";
    for (size_t i = 0; i < options.endpoints.size(); ++i) {
      if (i) target += ',';
      target += options.endpoints[i];
    }
  } else {
    target = "dns:///" + options.endpoints.front();
  }
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  args.SetMaxReceiveMessageSize(256 * 1024 * 1024);
  auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  return std::unique_ptr<Store>(new EtcdStore(channel, options.request_timeout_ms));
}

}  // namespace skiff::store
