#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base64.h"
#include "controlplane/secrets/encrypting_store.h"
#include "controlplane/secrets/encryption.h"
#include "controlplane/store/sqlite_store.h"
#include "controlplane/store/store_test_fixture.h"

namespace skiff::secrets {
namespace {

std::string Config(const std::vector<std::pair<std::string, std::string>>& keys,
                   bool identity_first = false) {
  std::string out =
      "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"
      "  - resources: [secrets]\n    providers:\n";
  if (identity_first) out += "      - identity: {}\n";
  out += "      - aesgcm:\n          keys:\n";
  for (const auto& [name, secret] : keys) {
    out += "            - name: " + name + "\n              secret: " + Base64Encode(secret) + "\n";
  }
  if (!identity_first) out += "      - identity: {}\n";
  return out;
}

const std::string kKey1(32, 'a');
const std::string kKey2(32, 'b');

TEST(Encryption, RoundTripsAndBindsTheStoreKey) {
  auto cfg = ParseEncryptionConfig(Config({{"key1", kKey1}}), "test");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  const auto& t = *cfg->resources.at("secrets");
  auto sealed = t.Encrypt("/registry/secrets/ns/a", "top secret value");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->rfind("k8s:enc:aesgcm:v1:key1:", 0), 0u);
  EXPECT_EQ(sealed->find("top secret"), std::string::npos);
  auto opened = t.Decrypt("/registry/secrets/ns/a", *sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "top secret value");
  // Moved to another key, or tampered: refused.
  EXPECT_FALSE(t.Decrypt("/registry/secrets/ns/b", *sealed).ok());
  std::string tampered = *sealed;
  tampered[tampered.size() - 20] ^= 1;
  auto bad = t.Decrypt("/registry/secrets/ns/a", tampered);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("top secret"), std::string::npos);
  // Plaintext written before encryption was configured still reads.
  EXPECT_EQ(*t.Decrypt("/registry/secrets/ns/old", "plain"), "plain");
}

TEST(Encryption, RotationKeepsOldValuesReadableAndMarksThemStale) {
  auto v1 = ParseEncryptionConfig(Config({{"key1", kKey1}}), "v1");
  auto v2 = ParseEncryptionConfig(Config({{"key2", kKey2}, {"key1", kKey1}}), "v2");
  ASSERT_TRUE(v1.ok() && v2.ok());
  auto old = v1->resources.at("secrets")->Encrypt("k", "v");
  const auto& t2 = *v2->resources.at("secrets");
  EXPECT_EQ(*t2.Decrypt("k", *old), "v");
  EXPECT_TRUE(t2.IsStale(*old));
  EXPECT_FALSE(t2.IsStale(*t2.Encrypt("k", "v")));
  // Without key1 the old value cannot be read, and the error says which key.
  auto v3 = ParseEncryptionConfig(Config({{"key2", kKey2}}), "v3");
  auto lost = v3->resources.at("secrets")->Decrypt("k", *old);
  ASSERT_FALSE(lost.ok());
  EXPECT_NE(lost.status().message().find("\"key1\""), std::string::npos);
}

TEST(Encryption, BadConfigsNameTheField) {
  auto short_key = ParseEncryptionConfig(Config({{"k", "short"}}), "enc.yaml");
  ASSERT_FALSE(short_key.ok());
  EXPECT_NE(short_key.status().message().find("enc.yaml"), std::string::npos);
  EXPECT_NE(short_key.status().message().find("keys[0].secret"), std::string::npos);
  auto no_resources = ParseEncryptionConfig("kind: EncryptionConfiguration\n", "x");
  EXPECT_FALSE(no_resources.ok());
  auto unknown = ParseEncryptionConfig(
      "resources:\n  - resources: [secrets]\n    providers:\n      - kms: {}\n", "x");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("providers[0]"), std::string::npos);
  EXPECT_FALSE(ParseEncryptionConfig(": : :", "x").ok());
}

TEST(Encryption, DefaultConfigIsWrittenOnceWithAFreshKey) {
  char tmpl[] = "/tmp/skiff-enc-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string path = dir + "/encryption.yaml";
  auto wrote = WriteDefaultEncryptionConfig(path);
  ASSERT_TRUE(wrote.ok() && *wrote);
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  auto again = WriteDefaultEncryptionConfig(path);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_TRUE(LoadEncryptionConfig(path).ok());
  std::filesystem::remove_all(dir);
}

TEST(EncryptingStore, TheDatabaseFileHoldsNoPlaintext) {
  char tmpl[] = "/tmp/skiff-encstore-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  store::SqliteStoreOptions opts;
  opts.path = dir + "/skiff.db";
  auto inner = store::OpenSqliteStore(opts);
  ASSERT_TRUE(inner.ok());
  EncryptingStore enc(std::move(*inner), *ParseEncryptionConfig(Config({{"key1", kKey1}}), "t"));
  store::testing::EventCollector events;
  store::WatchRequest w;
  w.key = "/registry/";
  w.range_end = store::PrefixEnd(w.key);
  w.prev_kv = true;
  auto watch = enc.Watch(w, events.Handler());
  ASSERT_TRUE(watch.ok());
  ASSERT_TRUE(store::Put(enc, "/registry/secrets/default/db", "password=hunter2-very-secret").ok());
  ASSERT_TRUE(store::Put(enc, "/registry/configmaps/default/cm", "visible-config").ok());
  ASSERT_TRUE(store::Put(enc, "/registry/secrets/default/db", "password=second-secret").ok());
  auto got = store::Get(enc, "/registry/secrets/default/db");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)->value, "password=second-secret");
  auto seen = events.WaitFor(3);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].kv.value, "password=second-secret");
  EXPECT_EQ(seen[2].prev_kv->value, "password=hunter2-very-secret");
  watch->reset();

  std::ifstream db(opts.path, std::ios::binary), wal(opts.path + "-wal", std::ios::binary);
  std::stringstream bytes;
  bytes << db.rdbuf() << wal.rdbuf();
  EXPECT_EQ(bytes.str().find("hunter2"), std::string::npos);
  EXPECT_EQ(bytes.str().find("second-secret"), std::string::npos);
  EXPECT_NE(bytes.str().find("visible-config"), std::string::npos);  // not configured: plain
  auto stale = enc.IsStale("/registry/secrets/default/db");
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(*stale);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace skiff::secrets
