#include "controlplane/secrets/encryption.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base64.h"

namespace skiff::secrets {
namespace {

constexpr std::string_view kPrefix = "k8s:enc:aesgcm:v1:";
constexpr size_t kNonce = 12;
constexpr size_t kTag = 16;

struct Key {
  std::string name;
  std::string bytes;  // 32
};

Result<std::string> AesGcm(bool encrypt, const std::string& key, std::string_view nonce,
                           std::string_view aad, std::string_view in, std::string* tag) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      EVP_CIPHER_CTX_free);
  auto u = [](std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); };
  int ok = encrypt ? EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr)
                   : EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr);
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                                 nullptr);
  ok = ok && (encrypt ? EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, u(key), u(nonce))
                      : EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, u(key), u(nonce)));
  int len = 0;
  ok =
      ok &&
      (encrypt ? EVP_EncryptUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size()))
               : EVP_DecryptUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size())));
  std::string out(in.size() + 16, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  ok = ok && (encrypt ? EVP_EncryptUpdate(ctx.get(), o, &len, u(in), static_cast<int>(in.size()))
                      : EVP_DecryptUpdate(ctx.get(), o, &len, u(in), static_cast<int>(in.size())));
  int total = len;
  if (!encrypt) {
    ok = ok &&
         EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, const_cast<char*>(tag->data()));
  }
  if (!ok) return Internal("cipher setup failed");
  int final_ok = encrypt ? EVP_EncryptFinal_ex(ctx.get(), o + total, &len)
                         : EVP_DecryptFinal_ex(ctx.get(), o + total, &len);
  if (final_ok != 1) return Status(StatusCode::kDataLoss, "authentication failed");
  total += len;
  out.resize(total);
  if (encrypt) {
    tag->assign(kTag, '\0');
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, tag->data());
  }
  return out;
}

class AesGcmTransformer : public Transformer {
 public:
  // keys[0] encrypts; all decrypt. `write_identity`: the first provider is
  // identity, so writes are plaintext.
  AesGcmTransformer(std::vector<Key> keys, bool write_identity, bool read_identity)
      : keys_(std::move(keys)), write_identity_(write_identity), read_identity_(read_identity) {}

  Result<std::string> Encrypt(std::string_view key, std::string_view plaintext) const override {
    if (write_identity_ || keys_.empty()) return std::string(plaintext);
    const Key& k = keys_.front();
    std::string nonce(kNonce, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonce);
    std::string tag;
    auto ct = AesGcm(true, k.bytes, nonce, key, plaintext, &tag);
    if (!ct.ok()) return ct.status();
    std::string out;
    out.reserve(kPrefix.size() + k.name.size() + 1 + kNonce + ct->size() + kTag);
    out.append(kPrefix).append(k.name).append(1, ':').append(nonce).append(*ct).append(tag);
    return out;
  }

  Result<std::string> Decrypt(std::string_view key, std::string_view stored) const override {
    if (!stored.starts_with(kPrefix)) {
      if (read_identity_) return std::string(stored);
      return Internal("value at " + std::string(key) +
                      " is not encrypted and the identity provider is not configured");
    }
    std::string_view rest = stored.substr(kPrefix.size());
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos)
      return Internal("value at " + std::string(key) + " is corrupt");
    std::string name(rest.substr(0, colon));
    rest = rest.substr(colon + 1);
    const Key* k = nullptr;
    for (const auto& candidate : keys_) {
      if (candidate.name == name) k = &candidate;
    }
    if (!k) {
      return Internal("value at " + std::string(key) + " is encrypted with key \"" + name +
                      "\", which is not in the encryption config");
    }
    if (rest.size() < kNonce + kTag)
      return Internal("value at " + std::string(key) + " is corrupt");
    std::string tag(rest.substr(rest.size() - kTag));
    auto pt = AesGcm(false, k->bytes, rest.substr(0, kNonce), key,
                     rest.substr(kNonce, rest.size() - kNonce - kTag), &tag);
    if (!pt.ok()) {
      return Internal("value at " + std::string(key) + " failed to decrypt with key \"" + name +
                      "\" (tampered or corrupt)");
    }
    return pt;
  }

  bool IsStale(std::string_view stored) const override {
    if (write_identity_ || keys_.empty()) return stored.starts_with(kPrefix);
    std::string want = std::string(kPrefix) + keys_.front().name + ":";
    return !stored.starts_with(want);
  }

 private:
  std::vector<Key> keys_;
  bool write_identity_;
  bool read_identity_;
};

}  // namespace

Result<EncryptionConfig> ParseEncryptionConfig(std::string_view yaml, std::string_view source) {
  auto bad = [&](const std::string& path, const std::string& why) {
    return InvalidArgument("encryption config " + std::string(source) + ": " + path + ": " + why);
  };
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return bad("", std::string("not valid YAML: ") + e.what());
  }
  if (!root.IsMap()) return bad("", "want an EncryptionConfiguration");
  if (root["kind"] && root["kind"].as<std::string>() != "EncryptionConfiguration") {
    return bad("kind", "want EncryptionConfiguration");
  }
  EncryptionConfig config;
  YAML::Node resources = root["resources"];
  if (!resources || !resources.IsSequence()) return bad("resources", "required list");
  for (size_t i = 0; i < resources.size(); ++i) {
    std::string rpath = "resources[" + std::to_string(i) + "]";
    YAML::Node names = resources[i]["resources"];
    YAML::Node providers = resources[i]["providers"];
    if (!names || !names.IsSequence() || names.size() == 0) {
      return bad(rpath + ".resources", "required list of resource names");
    }
    if (!providers || !providers.IsSequence() || providers.size() == 0) {
      return bad(rpath + ".providers", "required list");
    }
    std::vector<Key> keys;
    bool write_identity = false, read_identity = false;
    for (size_t p = 0; p < providers.size(); ++p) {
      std::string ppath = rpath + ".providers[" + std::to_string(p) + "]";
      if (providers[p]["identity"]) {
        read_identity = true;
        if (p == 0) write_identity = true;
        continue;
      }
      YAML::Node gcm = providers[p]["aesgcm"];
      if (!gcm) return bad(ppath, "unsupported provider (want aesgcm or identity)");
      YAML::Node ks = gcm["keys"];
      if (!ks || !ks.IsSequence() || ks.size() == 0)
        return bad(ppath + ".aesgcm.keys", "required list");
      for (size_t k = 0; k < ks.size(); ++k) {
        std::string kpath = ppath + ".aesgcm.keys[" + std::to_string(k) + "]";
        if (!ks[k]["name"] || !ks[k]["secret"]) return bad(kpath, "name and secret are required");
        auto bytes = Base64Decode(ks[k]["secret"].as<std::string>());
        if (!bytes.ok() || bytes->size() != 32) {
          return bad(kpath + ".secret", "must be the base64 of exactly 32 bytes (AES-256)");
        }
        for (const auto& existing : keys) {
          if (existing.name == ks[k]["name"].as<std::string>()) {
            return bad(kpath + ".name", "duplicate key name");
          }
        }
        keys.push_back(Key{ks[k]["name"].as<std::string>(), *bytes});
      }
    }
    auto transformer =
        std::make_shared<AesGcmTransformer>(std::move(keys), write_identity, read_identity);
    for (size_t n = 0; n < names.size(); ++n) {
      std::string name = names[n].as<std::string>();
      auto dot = name.find('.');
      if (dot != std::string::npos) name = name.substr(0, dot);  // "secrets." / "secrets.v1"
      config.resources[name] = transformer;
    }
  }
  return config;
}

Result<EncryptionConfig> LoadEncryptionConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot read encryption config " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseEncryptionConfig(ss.str(), path);
}

Result<bool> WriteDefaultEncryptionConfig(const std::string& path) {
  if (std::filesystem::exists(path)) return false;
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), 32) != 1) {
    return Internal("no randomness for a new encryption key");
  }
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return Internal("cannot write " + tmp);
    out << "# Written by skiff-server on first start: Secrets are encrypted at rest with\n"
           "# this key. Add a new key first in the list and run `netctl secrets reencrypt`\n"
           "# to rotate; keep old keys until then.\n"
           "apiVersion: apiserver.config.k8s.io/v1\n"
           "kind: EncryptionConfiguration\n"
           "resources:\n"
           "  - resources: [secrets]\n"
           "    providers:\n"
           "      - aesgcm:\n"
           "          keys:\n"
           "            - name: key1\n"
           "              secret: "
        << Base64Encode(key) << "\n      - identity: {}\n";
    if (!out.flush()) return Internal("cannot write " + tmp);
  }
  chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, path);
  return true;
}

}  // namespace skiff::secrets
