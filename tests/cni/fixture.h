// Shared fixture of the privileged skiff-cni tests: every test gets its own
// "host" network namespace (the plugin runs inside it, so host-side veths,
// routes, sysctls and nft rules stay contained), its own IPAM data directory
// and helpers to invoke the plugin and to look for leftovers.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/json/json.h"
#include "tests/cni/testutil.h"

namespace skiff::cni::testing {

class CniTest : public ::testing::Test {
 protected:
  static constexpr const char* kNetwork = "skcni-net";

  void SetUp() override;

  // {"cniVersion", "name", "type", "ipam": {dual-stack ranges, dataDir}}.
  json::Value BaseConf(const std::string& version = "1.1.0") const;
  static std::string Text(const json::Value& v) { return json::Serialize(v); }

  PluginResult Call(const std::string& command, const std::string& id, const std::string& netns,
                    const json::Value& conf, const std::string& ifname = "eth0",
                    const std::string& args = "") const;
  PluginResult Add(const std::string& id, const TestNetns& pod, const json::Value& conf,
                   const std::string& ifname = "eth0") const {
    return Call("ADD", id, pod.path(), conf, ifname);
  }
  PluginResult Del(const std::string& id, const std::string& netns, const json::Value& conf,
                   const std::string& ifname = "eth0") const {
    return Call("DEL", id, netns, conf, ifname);
  }
  // conf + "prevResult": result.
  static json::Value WithPrev(json::Value conf, const json::Value& result);

  // IP reservation files of kNetwork (last_reserved_ip.* excluded).
  std::vector<std::string> Reservations() const;
  // Names of host links starting with "skf".
  std::vector<std::string> HostVeths() const;
  // Non-loopback links in a namespace.
  std::vector<std::string> Links(const std::string& netns) const;
  // `ip -o route` lines (family 4 or 6) in the host namespace mentioning `needle`.
  std::vector<std::string> HostRoutes(int family, const std::string& needle) const;
  // Asserts nothing of an attachment is left: no skf veth, no reservation,
  // no host route into the pod ranges, nothing but lo in `pod_netns`.
  void ExpectNothingLeft(const std::string& pod_netns = "") const;

  std::unique_ptr<TestNetns> host_;
  TempDir data_;
  std::string plugin_ = PluginPath();
};

}  // namespace skiff::cni::testing
