// skiff-dns settings: command-line flags and the optional YAML settings file
// (--dns-config), which takes the same names as the flags without "--".
// Flags given on the command line override the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "dns/cluster_state.h"
#include "dns/upstream_answer.h"

namespace skiff::dns {

struct Options {
  std::string config;          // API server admin.conf (watch-fed source)
  std::string static_records;  // YAML/JSON Services/EndpointSlices/Pods
  std::string dns_config;      // YAML settings file
  std::string listen = "0.0.0.0:53";
  std::string http_listen = ":9153";  // "" or "off" disables /health /ready /metrics
  ClusterConfig cluster;
  std::vector<std::string> upstreams;  // empty: from resolv_conf
  std::string resolv_conf = "/etc/resolv.conf";
  size_t cache_size = 10000;
  CachePolicy cache_policy;
  int upstream_timeout_ms = 2000;
  int upstream_tries = 2;
  bool loop_detect = true;
  int workers = 0;  // 0: one per online CPU
  std::vector<int> cpus;
  uint16_t max_udp_size = 1232;
  int tcp_idle_timeout_ms = 10000;
  size_t tcp_max_connections = 1024;
  int udp_coalesce_us = 50;
  uint32_t udp_coalesce_min_qps = 50000;
  std::string log_level = "info";
  bool help = false;
};

// Parses argv (and the --dns-config file it names). INVALID_ARGUMENT names
// the flag or file key and the bad value; unknown flags and keys are errors.
Result<Options> ParseOptions(int argc, const char* const* argv);
std::string HelpText();

}  // namespace skiff::dns
