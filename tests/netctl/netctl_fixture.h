// A real skiff-server (controllers off, so objects change only by the test)
// and a way to run build/bin/netctl against it.
#pragma once

#include <string>
#include <vector>

#include "controlplane/server/api_test_fixture.h"
#include "tests/netctl/netctl_runner.h"

namespace skiff::netctl::testing {

class NetctlTest : public server::testing::ApiServerTest {
 protected:
  void Customize(server::ServerOptions& opts) override {
    opts.run_controllers = false;
    opts.run_scheduler = false;
  }

  NetctlResult Netctl(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    return RunNetctl(server_->admin_config_path(), args, stdin_text);
  }

  // Writes a file under the test's directory; returns its path.
  std::string WriteFile(const std::string& name, const std::string& content);
};

}  // namespace skiff::netctl::testing
