// The runtime side of CNI, shaped like libcni: run a network configuration
// list (a plugin chain) for a container exactly as the specification says.
//
//   ADD   plugins in order; each gets the previous result as prevResult; the
//         final result is cached and returned in the list's version.
//   DEL   plugins in reverse order with the cached result as prevResult
//         (0.4.0+); the cache entry is removed afterwards. Missing cache is
//         fine.
//   CHECK (0.4.0+, unless disableCheck) plugins in order with the cached
//         result; a missing cache entry is an error.
//   GC    first DEL for every cached attachment of the network that is not in
//         the valid list, then (1.1.0+, unless disableGC) GC on every plugin
//         with cni.dev/valid-attachments.
//   STATUS (1.1.0+) STATUS on every plugin; the first failure is returned.
//
// Each plugin's configuration gets "name" and "cniVersion" of the list, and
// "runtimeConfig" with those capability arguments its "capabilities" enable
// (e.g. "portMappings", "ipRanges", "bandwidth", "mac", "ips", "dns").
//
// Thread-safety: a CniRuntime is immutable after construction; calls for
// different attachments may run concurrently.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "cni/runtime/cache.h"
#include "cni/runtime/conf.h"
#include "common/json/json.h"
#include "common/status.h"

namespace skiff::cni::runtime {

struct RuntimeConf {
  std::string container_id;
  std::string netns;  // path of the pod's network namespace
  std::string ifname = "eth0";
  std::vector<std::pair<std::string, std::string>> args;  // CNI_ARGS, in order
  json::Object capability_args;  // {"portMappings": [...], "ipRanges": [[...]], ...}

  // Sets the "ipRanges" capability to one range set per CIDR (the node's pod
  // CIDRs, e.g. {"10.244.1.0/24", "fd00:10:244:1::/64"}).
  void SetPodCidrs(const std::vector<std::string>& cidrs);
};

// A plugin's failure as it reported it (code 0 when it printed no CNI error).
struct PluginFailure {
  std::string plugin;   // the plugin's "type"
  std::string command;  // ADD, DEL, ...
  int code = 0;
  std::string msg;
  std::string details;
  std::string stderr_text;
};

struct Options {
  // Directories searched for plugins, in order (CNI_PATH).
  std::vector<std::string> plugin_dirs = {"/opt/cni/bin"};
  // Results are cached under <cache_dir>/results (libcni's default location).
  std::string cache_dir = "/var/lib/cni";
  // Each plugin execution is killed after this long.
  std::chrono::milliseconds exec_timeout = std::chrono::seconds(60);
};

struct GcAttachment {
  std::string container_id;
  std::string ifname;
};

class CniRuntime {
 public:
  explicit CniRuntime(Options options);

  // Runs ADD; returns the final result in the list's version. On a plugin
  // error the Status names the plugin, the verb, the CNI code and message
  // (and *failure is filled). No DEL is issued on failure: the caller decides
  // (as with libcni).
  Result<json::Value> AddNetworkList(const NetworkConfigList& list, const RuntimeConf& rt,
                                     PluginFailure* failure = nullptr) const;
  Status DelNetworkList(const NetworkConfigList& list, const RuntimeConf& rt,
                        PluginFailure* failure = nullptr) const;
  Status CheckNetworkList(const NetworkConfigList& list, const RuntimeConf& rt,
                          PluginFailure* failure = nullptr) const;
  Status GCNetworkList(const NetworkConfigList& list, const std::vector<GcAttachment>& valid,
                       PluginFailure* failure = nullptr) const;
  Status GetStatusNetworkList(const NetworkConfigList& list,
                              PluginFailure* failure = nullptr) const;

  // The cached result of an attachment (NOT_FOUND when none).
  Result<json::Value> GetCachedResult(const std::string& network, const RuntimeConf& rt) const;
  // Every cached attachment of `network`.
  Result<std::vector<CachedAttachment>> GetCachedAttachments(const std::string& network) const;

  // The versions a plugin reports through VERSION.
  Result<std::vector<std::string>> GetVersionInfo(const std::string& plugin_type) const;

  // Checks, before any pod uses it, that every plugin of the list is on the
  // plugin path and supports the list's version (libcni's
  // ValidateNetworkList). NOT_FOUND / FAILED_PRECONDITION name the plugin.
  Status ValidateNetworkList(const NetworkConfigList& list) const;

  const Options& options() const { return options_; }

 private:
  struct Invocation;
  Result<std::string> Run(const Invocation& inv, PluginFailure* failure) const;
  Result<json::Value> PluginConfig(const NetworkConfigList& list, const json::Value& plugin,
                                   const json::Value* prev_result, const RuntimeConf* rt,
                                   const std::vector<GcAttachment>* valid) const;

  Options options_;
  ResultCache cache_;
};

// Maps a CNI error code to a Status code (1 -> FAILED_PRECONDITION, 2/4/6/7 ->
// INVALID_ARGUMENT, 3 -> NOT_FOUND, 11/50/51 -> UNAVAILABLE, others INTERNAL).
StatusCode StatusCodeForCniError(int code);

}  // namespace skiff::cni::runtime
