#include "controlplane/secrets/encrypting_store.h"

namespace skiff::secrets {
namespace {

constexpr std::string_view kRegistry = "/registry/";

}  // namespace

EncryptingStore::EncryptingStore(std::unique_ptr<store::Store> inner, EncryptionConfig config)
    : inner_(std::move(inner)), config_(std::move(config)) {}

const Transformer* EncryptingStore::TransformerFor(std::string_view key) const {
  if (!key.starts_with(kRegistry)) return nullptr;
  std::string_view rest = key.substr(kRegistry.size());
  std::string_view resource = rest.substr(0, rest.find('/'));
  auto it = config_.resources.find(std::string(resource));
  return it == config_.resources.end() ? nullptr : it->second.get();
}

Status EncryptingStore::DecryptInPlace(store::KeyValue& kv) const {
  const Transformer* t = TransformerFor(kv.key);
  if (!t || kv.value.empty()) return Status::Ok();
  auto plain = t->Decrypt(kv.key, kv.value);
  if (!plain.ok()) return plain.status();
  kv.value = std::move(*plain);
  return Status::Ok();
}

Result<store::RangeResponse> EncryptingStore::Range(const store::RangeRequest& request) {
  auto resp = inner_->Range(request);
  if (!resp.ok()) return resp;
  for (auto& kv : resp->kvs)
    SKIFF_RETURN_IF_ERROR(DecryptInPlace(kv));
  return resp;
}

Result<store::TxnResponse> EncryptingStore::Txn(const store::TxnRequest& request) {
  store::TxnRequest out = request;
  for (const auto& c : out.compare) {
    if (c.target == store::Compare::Target::kValue && TransformerFor(c.key)) {
      return InvalidArgument("value compare on encrypted key " + c.key);
    }
  }
  for (auto* ops : {&out.success, &out.failure}) {
    for (auto& op : *ops) {
      if (op.type != store::Op::Type::kPut) continue;
      if (const Transformer* t = TransformerFor(op.key)) {
        auto sealed = t->Encrypt(op.key, op.value);
        if (!sealed.ok()) return sealed.status();
        op.value = std::move(*sealed);
      }
    }
  }
  auto resp = inner_->Txn(out);
  if (!resp.ok()) return resp;
  for (auto& r : resp->results) {
    for (auto& kv : r.range.kvs)
      SKIFF_RETURN_IF_ERROR(DecryptInPlace(kv));
    if (r.prev_kv) SKIFF_RETURN_IF_ERROR(DecryptInPlace(*r.prev_kv));
    for (auto& kv : r.prev_kvs)
      SKIFF_RETURN_IF_ERROR(DecryptInPlace(kv));
  }
  return resp;
}

Result<std::unique_ptr<store::WatchHandle>> EncryptingStore::Watch(
    const store::WatchRequest& request, store::WatchHandler handler) {
  auto ended = std::make_shared<bool>(false);  // calls are serial per watch
  return inner_->Watch(request,
                       [this, ended, handler = std::move(handler)](store::WatchResponse resp) {
                         if (*ended) return;
                         for (auto& e : resp.events) {
                           Status s = DecryptInPlace(e.kv);
                           if (s.ok() && e.prev_kv) s = DecryptInPlace(*e.prev_kv);
                           if (!s.ok()) {
                             // The watcher cannot be given what it cannot read: end its watch.
                             store::WatchResponse failed;
                             failed.status = s;
                             *ended = true;
                             handler(std::move(failed));
                             return;
                           }
                         }
                         handler(std::move(resp));
                       });
}

Result<bool> EncryptingStore::IsStale(const std::string& key) {
  const Transformer* t = TransformerFor(key);
  if (!t) return false;
  auto kv = store::Get(*inner_, key);
  if (!kv.ok()) return kv.status();
  if (!kv->has_value()) return false;
  return t->IsStale((*kv)->value);
}

}  // namespace skiff::secrets
