// EncryptingStore: a Store decorator that encrypts the values of configured
// resources (keys /registry/<resource>/...) on the way in and decrypts them
// on the way out — in Range and Txn results, prev_kv and watch events — so
// the registry above sees plaintext and the store below holds ciphertext
// (the SQLite file and etcd alike). Value compares on encrypted keys are
// refused (ciphertexts differ for equal plaintexts). Thread-safe like the
// store it wraps.
#pragma once

#include <memory>

#include "controlplane/secrets/encryption.h"
#include "controlplane/store/store.h"

namespace skiff::secrets {

class EncryptingStore : public store::Store {
 public:
  EncryptingStore(std::unique_ptr<store::Store> inner, EncryptionConfig config);

  Result<store::RangeResponse> Range(const store::RangeRequest& request) override;
  Result<store::TxnResponse> Txn(const store::TxnRequest& request) override;
  Result<std::unique_ptr<store::WatchHandle>> Watch(const store::WatchRequest& request,
                                                    store::WatchHandler handler) override;
  Status Compact(int64_t revision) override { return inner_->Compact(revision); }
  Result<int64_t> CurrentRevision() override { return inner_->CurrentRevision(); }
  Result<int64_t> CompactedRevision() override { return inner_->CompactedRevision(); }

  // The transformer for a store key, or nullptr when values there are plain.
  const Transformer* TransformerFor(std::string_view key) const;
  // Whether the stored bytes of `key` would be written differently now
  // (another key or provider): the object needs re-encryption.
  Result<bool> IsStale(const std::string& key);

 private:
  Status DecryptInPlace(store::KeyValue& kv) const;

  std::unique_ptr<store::Store> inner_;
  EncryptionConfig config_;
};

}  // namespace skiff::secrets
