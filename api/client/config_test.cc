// InClusterConfig and the kubectl-like fallback of LoadDefaultClientConfig,
// against a temporary service account directory and environment.
#include "api/client/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

namespace skiff::api {
namespace {

// Sets (or unsets, with nullopt) an environment variable for the test's lifetime.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class InClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("skiff-sat-config-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    Write("token", "eyJ.token.sig");
    Write("ca.crt", "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n");
    Write("namespace", "shop");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& data) {
    std::ofstream(dir_ / name) << data;
  }

  std::filesystem::path dir_;
  ScopedEnv host_{"KUBERNETES_SERVICE_HOST", "10.96.0.1"};
  ScopedEnv port_{"KUBERNETES_SERVICE_PORT", "443"};
};

TEST_F(InClusterTest, BuildsConfigFromEnvironmentAndFiles) {
  auto cfg = InClusterConfig(dir_);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "10.96.0.1:443");
  EXPECT_EQ(cfg->token, "eyJ.token.sig");
  EXPECT_EQ(cfg->ca_pem, "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(cfg->default_namespace, "shop");
}

TEST_F(InClusterTest, BracketsIpv6HostAndTrimsNewlines) {
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "fd00:10:96::1");
  Write("token", "tok\n");
  auto cfg = InClusterConfig(dir_);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "[fd00:10:96::1]:443");
  EXPECT_EQ(cfg->token, "tok");
}

TEST_F(InClusterTest, NamesMissingVariable) {
  {
    ScopedEnv host("KUBERNETES_SERVICE_HOST", std::nullopt);
    auto cfg = InClusterConfig(dir_);
    ASSERT_FALSE(cfg.ok());
    EXPECT_NE(cfg.status().message().find("KUBERNETES_SERVICE_HOST"), std::string::npos);
  }
  ScopedEnv port("KUBERNETES_SERVICE_PORT", std::nullopt);
  auto cfg = InClusterConfig(dir_);
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("KUBERNETES_SERVICE_PORT"), std::string::npos);
}

TEST_F(InClusterTest, RejectsBadPort) {
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "https");
  auto cfg = InClusterConfig(dir_);
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(cfg.status().message().find("KUBERNETES_SERVICE_PORT"), std::string::npos);
}

TEST_F(InClusterTest, NamesMissingFile) {
  for (const char* file : {"token", "ca.crt", "namespace"}) {
    SetUp();
    std::filesystem::remove(dir_ / file);
    auto cfg = InClusterConfig(dir_);
    ASSERT_FALSE(cfg.ok()) << file;
    EXPECT_EQ(cfg.status().code(), StatusCode::kNotFound) << file;
    EXPECT_NE(cfg.status().message().find((dir_ / file).string()), std::string::npos)
        << cfg.status().message();
  }
}

TEST_F(InClusterTest, RejectsEmptyToken) {
  Write("token", "");
  auto cfg = InClusterConfig(dir_);
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("token is empty"), std::string::npos);
}

TEST_F(InClusterTest, DefaultConfigPrefersFileThenFallsBackInCluster) {
  ScopedEnv config("SKIFF_CONFIG", (dir_ / "config").string());
  Write("config", "server: api.example:6443\ntoken: file-token\n");
  auto cfg = LoadDefaultClientConfig();
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "api.example:6443");
  EXPECT_EQ(cfg->token, "file-token");

  // No file: the in-cluster config at the standard directory (absent here),
  // so the error names that directory's token.
  std::filesystem::remove(dir_ / "config");
  cfg = LoadDefaultClientConfig();
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find(std::string(kServiceAccountDir) + "/token"),
            std::string::npos)
      << cfg.status().message();

  // Not in a pod: the config file's own NOT_FOUND.
  ScopedEnv host("KUBERNETES_SERVICE_HOST", std::nullopt);
  cfg = LoadDefaultClientConfig();
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find((dir_ / "config").string()), std::string::npos);
}

TEST_F(InClusterTest, DefaultNamespaceOnlyWhenInClusterConfigApplies) {
  ScopedEnv config("SKIFF_CONFIG", (dir_ / "config").string());
  Write("namespace", "shop\n");
  EXPECT_EQ(InClusterDefaultNamespace(dir_), "shop");
  Write("config", "server: api.example:6443\n");  // a config file wins
  EXPECT_EQ(InClusterDefaultNamespace(dir_), "");
  std::filesystem::remove(dir_ / "config");
  ScopedEnv host("KUBERNETES_SERVICE_HOST", std::nullopt);  // not in a pod
  EXPECT_EQ(InClusterDefaultNamespace(dir_), "");
}

}  // namespace
}  // namespace skiff::api
