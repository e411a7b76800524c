#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>

#include "controlplane/auth/pki.h"
#include "controlplane/auth/tokens.h"

namespace skiff::auth {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/skiff-auth-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

X509* Parse(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return cert;
}

TEST(Pki, ServerCertIsSignedByCaAndCoversSans) {
  TempDir dir;
  auto pki = LoadOrCreatePki(dir.path(), {"10.0.0.7", "api.example"});
  ASSERT_TRUE(pki.ok()) << pki.status().ToString();
  X509* ca = Parse(pki->ca_cert_pem);
  X509* srv = Parse(pki->server_cert_pem);
  ASSERT_TRUE(ca && srv);
  EXPECT_EQ(X509_verify(srv, X509_get0_pubkey(ca)), 1);
  EXPECT_EQ(X509_check_ip_asc(srv, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(srv, "10.0.0.7", 0), 1);
  EXPECT_EQ(X509_check_host(srv, "api.example", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(srv, "other.example", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ca(ca), 1);
  X509_free(ca);
  X509_free(srv);
  EXPECT_EQ(std::filesystem::status(dir.path() + "/ca.key").permissions() &
                std::filesystem::perms::others_read,
            std::filesystem::perms::none);

  // Reloading reuses the CA and cert; a new SAN reissues from the same CA.
  auto again = LoadOrCreatePki(dir.path(), {"10.0.0.7", "api.example"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ca_cert_pem, pki->ca_cert_pem);
  EXPECT_EQ(again->server_cert_pem, pki->server_cert_pem);
  auto more = LoadOrCreatePki(dir.path(), {"10.0.0.8"});
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(more->ca_cert_pem, pki->ca_cert_pem);
  EXPECT_NE(more->server_cert_pem, pki->server_cert_pem);
}

TEST(Tokens, CreatesAdminTokenAndAuthenticates) {
  TempDir dir;
  std::string path = dir.path() + "/tokens.csv";
  std::string admin;
  auto auth = TokenAuthenticator::LoadOrCreate(path, &admin);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  ASSERT_EQ(admin.size(), 64u);
  auto user = (*auth)->Authenticate(admin);
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->name, "admin");
  EXPECT_EQ(user->groups, std::vector<std::string>{"system:masters"});
  EXPECT_FALSE((*auth)->Authenticate("wrong").has_value());
  EXPECT_FALSE((*auth)->Authenticate("").has_value());

  std::string admin2;
  auto reloaded = TokenAuthenticator::LoadOrCreate(path, &admin2);
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(admin2, admin);
}

TEST(Tokens, ParsesGroupsAndRejectsMalformedLines) {
  TempDir dir;
  std::string path = dir.path() + "/tokens.csv";
  std::ofstream(path) << "t1,alice,u1,\"dev,ops\"\n# comment\nt2,bob,u2\n";
  auto auth = TokenAuthenticator::LoadOrCreate(path, nullptr);
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ((*auth)->Authenticate("t1")->groups, (std::vector<std::string>{"dev", "ops"}));
  EXPECT_TRUE((*auth)->Authenticate("t2")->groups.empty());
  std::ofstream(path) << "t1,alice,u1\nbroken\n";
  auto bad = TokenAuthenticator::LoadOrCreate(path, nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line 2"), std::string::npos);
}

TEST(Tokens, BearerHeader) {
  EXPECT_EQ(TokenAuthenticator::BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(TokenAuthenticator::BearerToken("bearer abc"), "abc");
  EXPECT_EQ(TokenAuthenticator::BearerToken("Basic abc"), "");
  EXPECT_EQ(TokenAuthenticator::BearerToken("Bearer "), "");
}

}  // namespace
}  // namespace skiff::auth
