// `skiff-proxy --engine=dpdk`: the same Service model (dataplane/core fed
// by a ServiceSource) on the DPDK engine. dataplane/proxy/main.cc hands the
// whole command line here when it sees --engine=dpdk. No DPDK header.
#pragma once

#include <string>
#include <vector>

namespace skiff::dataplane::dpdk {

// Runs the proxy until SIGTERM/SIGINT (SIGHUP re-reads --static-services).
// `args` excludes the program name. Returns the process exit code: 0 on a
// clean stop, 2 for bad flags or a start-up failure (one line on stderr
// naming the option to change).
int ProxyMain(const std::vector<std::string>& args);

// True when `args` select this engine (--engine=dpdk or --engine dpdk).
bool SelectsDpdk(const std::vector<std::string>& args);

// The --help text of the DPDK engine's flags.
std::string ProxyUsage();

}  // namespace skiff::dataplane::dpdk
