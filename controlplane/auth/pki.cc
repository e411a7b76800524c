#include "controlplane/auth/pki.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace skiff::auth {
namespace {

namespace fs = std::filesystem;

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using CertPtr = std::unique_ptr<X509, Free>;
using BioPtr = std::unique_ptr<BIO, Free>;

Result<std::string> ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return NotFound("read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WriteFile(const fs::path& p, const std::string& data, mode_t mode) {
  fs::path tmp = p;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Internal("write " + tmp.string());
    out << data;
    if (!out.flush()) return Internal("write " + tmp.string());
  }
  if (chmod(tmp.c_str(), mode) != 0) return Internal("chmod " + tmp.string());
  std::error_code ec;
  fs::rename(tmp, p, ec);
  if (ec) return Internal("rename " + tmp.string() + ": " + ec.message());
  return Status::Ok();
}

std::string ToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n);
}

std::string ToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n);
}

CertPtr CertFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return CertPtr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

KeyPtr KeyFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return KeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return true;
}

bool IsIp(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string SanList(const std::vector<std::string>& sans) {
  std::string out;
  for (const auto& s : sans) {
    if (!out.empty()) out += ',';
    out += (IsIp(s) ? "IP:" : "DNS:") + s;
  }
  return out;
}

// A certificate for `cn`, signed by (issuer, issuer_key) or self-signed when
// issuer is null.
Result<CertPtr> Issue(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key,
                      bool is_ca, const std::vector<std::string>& sans) {
  CertPtr cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("skiff"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  bool ok = true;
  if (is_ca) {
    ok = ok && AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    ok = ok && AddExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ok = ok && AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    ok = ok && AddExtension(cert.get(), signer, NID_key_usage,
                            "critical,digitalSignature,keyEncipherment");
    ok = ok && AddExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth");
    ok = ok && AddExtension(cert.get(), signer, NID_subject_alt_name, SanList(sans));
  }
  ok = ok && AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (!ok) return Internal("building certificate extensions for " + cn);
  if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0) {
    return Internal("signing certificate for " + cn);
  }
  return cert;
}

bool CoversAll(X509* cert, const std::vector<std::string>& sans) {
  for (const auto& san : sans) {
    bool hit = IsIp(san) ? X509_check_ip_asc(cert, san.c_str(), 0) == 1
                         : X509_check_host(cert, san.c_str(), san.size(), 0, nullptr) == 1;
    if (!hit) return false;
  }
  return true;
}

}  // namespace

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

Result<Pki> LoadOrCreatePki(const std::string& dir_name, const std::vector<std::string>& extra) {
  fs::path dir(dir_name);
  std::vector<std::string> sans = {"127.0.0.1", "::1", "localhost"};
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0 && host[0]) sans.emplace_back(host);
  for (const auto& s : extra) {
    if (std::find(sans.begin(), sans.end(), s) == sans.end()) sans.push_back(s);
  }

  Pki pki;
  KeyPtr ca_key;
  CertPtr ca_cert;
  auto ca_pem = ReadFile(dir / "ca.crt");
  auto ca_key_pem = ReadFile(dir / "ca.key");
  if (ca_pem.ok() && ca_key_pem.ok()) {
    ca_cert = CertFromPem(*ca_pem);
    ca_key = KeyFromPem(*ca_key_pem);
    if (!ca_cert || !ca_key) return Internal("unreadable CA in " + dir.string() + "/ca.{crt,key}");
  } else {
    ca_key.reset(EVP_EC_gen("P-256"));
    if (!ca_key) return Internal("generating CA key");
    auto cert = Issue(ca_key.get(), "skiff-ca", nullptr, nullptr, true, {});
    if (!cert.ok()) return cert.status();
    ca_cert = std::move(*cert);
    SKIFF_RETURN_IF_ERROR(WriteFile(dir / "ca.key", ToPem(ca_key.get()), 0600));
    SKIFF_RETURN_IF_ERROR(WriteFile(dir / "ca.crt", ToPem(ca_cert.get()), 0644));
    fs::remove(dir / "server.crt");  // a new CA invalidates the old server cert
  }
  pki.ca_cert_pem = ToPem(ca_cert.get());

  auto srv_pem = ReadFile(dir / "server.crt");
  auto srv_key_pem = ReadFile(dir / "server.key");
  if (srv_pem.ok() && srv_key_pem.ok()) {
    CertPtr cert = CertFromPem(*srv_pem);
    if (cert && CoversAll(cert.get(), sans)) {
      pki.server_cert_pem = *srv_pem;
      pki.server_key_pem = *srv_key_pem;
      return pki;
    }
  }
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Internal("generating server key");
  auto cert = Issue(key.get(), "skiff-server", ca_cert.get(), ca_key.get(), false, sans);
  if (!cert.ok()) return cert.status();
  pki.server_cert_pem = ToPem(cert->get());
  pki.server_key_pem = ToPem(key.get());
  SKIFF_RETURN_IF_ERROR(WriteFile(dir / "server.key", pki.server_key_pem, 0600));
  SKIFF_RETURN_IF_ERROR(WriteFile(dir / "server.crt", pki.server_cert_pem, 0644));
  return pki;
}

}  // namespace skiff::auth
