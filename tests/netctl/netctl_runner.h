// Runs build/bin/netctl against the test's server: argv (no shell), stdin
// text, stdout and stderr captured separately, a bounded wait (the child is
// killed by its PID when it overruns).
#pragma once

#include <string>
#include <vector>

namespace skiff::netctl::testing {

struct NetctlResult {
  int code = -1;  // exit code; -1 when killed or not started
  std::string out, err;
};

// `config`: the client config file; `args`: what follows "netctl".
NetctlResult RunNetctl(const std::string& config, const std::vector<std::string>& args,
                       const std::string& stdin_text = "");

}  // namespace skiff::netctl::testing
