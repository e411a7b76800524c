// A real skiff-server in-process (TLS gRPC on a free loopback port, SQLite
// store in a temp dir, controllers on) and a RemoteClient to it, for tests
// that exercise the API as clients see it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

#include "api/client/remote_client.h"
#include "api/client/typed.h"
#include "controlplane/server/server.h"

namespace skiff::server::testing {

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/skiff-api-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ServerOptions opts;
    opts.data_dir = dir_;
    opts.listen = "127.0.0.1:0";
    opts.metrics_listen = "127.0.0.1:0";
    opts.compaction_interval = std::chrono::milliseconds(0);
    Customize(opts);
    auto server = Server::Start(opts);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    auto client = api::ConnectFromFile(server_->admin_config_path());
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
  }

  void TearDown() override {
    client_.reset();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  virtual void Customize(ServerOptions&) {}

  // Polls `cond` every 20 ms until true or `timeout`.
  static bool Eventually(const std::function<bool()>& cond,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (cond()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return cond();
  }

  // Reads the object, applies `mutate`, and writes it back (the status
  // subresource when `status`), retrying when a controller wrote in between.
  template <typename T, typename F>
  Result<T> Mutate(const std::string& ns, const std::string& name, F mutate, bool status = false) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto obj = api::GetObject<T>(*client_, ns, name);
      if (!obj.ok()) return obj.status();
      mutate(*obj);
      auto r = api::UpdateObject(*client_, *obj, status);
      if (r.ok() || r.status().code() != StatusCode::kAborted) return r;
    }
    return Aborted("kept conflicting");
  }

  std::string dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<api::ApiClient> client_;
};

}  // namespace skiff::server::testing
