#include "controlplane/auth/signed_tokens.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base64.h"
#include "common/json/json.h"

namespace skiff::auth {
namespace {

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

Status Unauthenticated(const std::string& why) {
  return Status(StatusCode::kUnauthenticated, "invalid bearer token: " + why);
}

}  // namespace

Result<TokenSigner> TokenSigner::LoadOrCreate(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    std::string key(32, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), 32);
    std::ofstream out(path, std::ios::trunc | std::ios::binary);
    if (!out) return Internal("cannot write token signing key " + path);
    out << Base64Encode(key) << "\n";
    out.close();
    chmod(path.c_str(), 0600);
  }
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  auto key = Base64Decode(text);
  if (!key.ok() || key->size() < 32) {
    return InvalidArgument("token signing key " + path + " is not base64 of 32 bytes");
  }
  return TokenSigner(*key);
}

std::string TokenSigner::Sign(std::string_view data) const {
  unsigned char mac[32];
  unsigned int len = sizeof mac;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

std::string TokenSigner::Issue(const TokenClaims& c) const {
  json::Object claims;
  claims.Set("iss", "skiff");
  claims.Set("sub", c.user.name);
  claims.Set("iat", c.issued_at);
  claims.Set("nbf", c.issued_at);
  claims.Set("exp", c.expires_at);
  json::Array groups;
  for (const auto& g : c.user.groups)
    groups.emplace_back(g);
  claims.Set("groups", std::move(groups));
  claims.Set("uid", c.user.uid);
  if (!c.sa_name.empty()) {
    json::Object sa;
    sa.Set("name", c.sa_name);
    sa.Set("uid", c.user.uid);
    json::Object k8s;
    k8s.Set("namespace", c.sa_namespace);
    k8s.Set("serviceaccount", std::move(sa));
    claims.Set("kubernetes.io", std::move(k8s));
  }
  std::string signing_input = Base64UrlEncode(kHeader) + "." +
                              Base64UrlEncode(json::Serialize(json::Value(std::move(claims))));
  return signing_input + "." + Base64UrlEncode(Sign(signing_input));
}

Result<TokenClaims> TokenSigner::Verify(std::string_view token, int64_t now) const {
  size_t d1 = token.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return Unauthenticated("not a signed token");
  std::string_view signing_input = token.substr(0, d2);
  auto sig = Base64UrlDecode(token.substr(d2 + 1));
  std::string want = Sign(signing_input);
  if (!sig.ok() || sig->size() != want.size() ||
      CRYPTO_memcmp(sig->data(), want.data(), want.size()) != 0) {
    return Unauthenticated("signature does not match");
  }
  auto header = Base64UrlDecode(token.substr(0, d1));
  if (!header.ok()) return Unauthenticated("malformed header");
  auto h = json::Parse(*header);
  if (!h.ok() || !h->Find("alg") || !h->Find("alg")->is_string() ||
      h->Find("alg")->as_string() != "HS256") {
    return Unauthenticated("unsupported algorithm");
  }
  auto payload = Base64UrlDecode(token.substr(d1 + 1, d2 - d1 - 1));
  if (!payload.ok()) return Unauthenticated("malformed claims");
  auto p = json::Parse(*payload);
  if (!p.ok() || !p->is_object()) return Unauthenticated("malformed claims");
  auto str = [&](const json::Value* v) { return v && v->is_string() ? v->as_string() : ""; };
  auto num = [&](const json::Value* v) { return v && v->is_int() ? v->as_int() : int64_t{0}; };
  TokenClaims c;
  c.user.name = str(p->Find("sub"));
  c.user.uid = str(p->Find("uid"));
  c.issued_at = num(p->Find("iat"));
  c.expires_at = num(p->Find("exp"));
  if (const auto* g = p->Find("groups"); g && g->is_array()) {
    for (const auto& v : g->as_array()) {
      if (v.is_string()) c.user.groups.push_back(v.as_string());
    }
  }
  if (const auto* k = p->Find("kubernetes.io")) {
    c.sa_namespace = str(k->Find("namespace"));
    if (const auto* sa = k->Find("serviceaccount")) c.sa_name = str(sa->Find("name"));
  }
  if (c.user.name.empty()) return Unauthenticated("no subject");
  if (now < num(p->Find("nbf")) - 60) return Unauthenticated("not valid yet");
  if (c.expires_at <= now) return Unauthenticated("expired");
  return c;
}

TokenClaims TokenSigner::ForServiceAccount(const std::string& ns, const std::string& name,
                                           const std::string& uid, int64_t now, int64_t ttl) {
  TokenClaims c;
  c.user.name = "system:serviceaccount:" + ns + ":" + name;
  c.user.uid = uid;
  c.user.groups = {"system:serviceaccounts", "system:serviceaccounts:" + ns,
                   "system:authenticated"};
  c.sa_namespace = ns;
  c.sa_name = name;
  c.issued_at = now;
  c.expires_at = now + ttl;
  return c;
}

TokenClaims TokenSigner::ForNode(const std::string& node, int64_t now, int64_t ttl) {
  TokenClaims c;
  c.user.name = "system:node:" + node;
  c.user.groups = {"system:nodes", "system:authenticated"};
  c.issued_at = now;
  c.expires_at = now + ttl;
  return c;
}

}  // namespace skiff::auth
