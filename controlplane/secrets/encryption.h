// Encryption at rest for Secrets (and any other resource the config names),
// in the shape of Kubernetes' EncryptionConfiguration:
//
//   apiVersion: apiserver.config.k8s.io/v1
//   kind: EncryptionConfiguration
//   resources:
//     - resources: [secrets]
//       providers:
//         - aesgcm:
//             keys:
//               - name: key2
//                 secret: <base64 of 32 random bytes>
//               - name: key1
//                 secret: <...>
//         - identity: {}
//
// The first provider writes; every provider reads. A stored value encrypted
// with AES-256-GCM is "k8s:enc:aesgcm:v1:<key name>:" + 12-byte nonce +
// ciphertext + 16-byte tag, with the store key as authenticated data, so a
// value cannot be moved to another key. `identity` stores plaintext (and
// reads values that carry no encryption prefix).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skiff::secrets {

// Encrypts and decrypts the stored values of one resource.
class Transformer {
 public:
  virtual ~Transformer() = default;
  // `key` is the store key (authenticated, not encrypted).
  virtual Result<std::string> Encrypt(std::string_view key, std::string_view plaintext) const = 0;
  // Errors name the store key and the reason (unknown key name, tampered
  // or corrupt value); never the value.
  virtual Result<std::string> Decrypt(std::string_view key, std::string_view stored) const = 0;
  // True when `stored` is not written the way Encrypt would write it now
  // (another key or provider): re-encryption rewrites such values.
  virtual bool IsStale(std::string_view stored) const = 0;
};

struct EncryptionConfig {
  // Resource plural ("secrets") -> its transformer.
  std::map<std::string, std::shared_ptr<const Transformer>> resources;
};

// Parses an EncryptionConfiguration. INVALID_ARGUMENT names the file and the
// field (a key that is not 32 bytes of base64, an unknown provider, ...).
Result<EncryptionConfig> ParseEncryptionConfig(std::string_view yaml, std::string_view source);
Result<EncryptionConfig> LoadEncryptionConfig(const std::string& path);

// Writes a new configuration encrypting secrets with one fresh random key
// (file mode 0600), unless `path` exists. Returns whether it wrote.
Result<bool> WriteDefaultEncryptionConfig(const std::string& path);

}  // namespace skiff::secrets
