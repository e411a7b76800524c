#include "tests/cni/fixture.h"

#include <unistd.h>

#include <sstream>

namespace skiff::cni::testing {

void CniTest::SetUp() {
  ASSERT_EQ(access(plugin_.c_str(), X_OK), 0) << "skiff-cni not built at " << plugin_;
  host_ = std::make_unique<TestNetns>("h");
  ASSERT_TRUE(host_->ok()) << "cannot create a network namespace";
  ASSERT_FALSE(data_.path().empty());
}

json::Value CniTest::BaseConf(const std::string& version) const {
  json::Object ipam{{"ranges", json::Array{json::Array{json::Object{{"subnet", "10.77.0.0/24"}}},
                                           json::Array{json::Object{{"subnet", "fd77::/64"}}}}},
                    {"dataDir", data_.path()}};
  return json::Object{{"cniVersion", version},
                      {"name", kNetwork},
                      {"type", "skiff-cni"},
                      {"ipam", std::move(ipam)}};
}

PluginResult CniTest::Call(const std::string& command, const std::string& id,
                           const std::string& netns, const json::Value& conf,
                           const std::string& ifname, const std::string& args) const {
  PluginCall call;
  call.plugin = plugin_;
  call.command = command;
  call.container_id = id;
  call.netns = netns;
  call.ifname = ifname;
  call.args = args;
  call.host_netns = host_->path();
  call.config = Text(conf);
  return Invoke(call);
}

json::Value CniTest::WithPrev(json::Value conf, const json::Value& result) {
  conf.as_object().Set("prevResult", result);
  return conf;
}

std::vector<std::string> CniTest::Reservations() const {
  std::vector<std::string> out;
  for (const std::string& n : ListDir(data_.path() + "/" + kNetwork)) {
    if (n.rfind("last_reserved_ip", 0) != 0) out.push_back(n);
  }
  return out;
}

namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace

std::vector<std::string> CniTest::Links(const std::string& netns) const {
  std::vector<std::string> out;
  for (const std::string& l : Lines(Sh(netns, "ip -o link show | awk -F': ' '{print $2}'").out)) {
    std::string name = l.substr(0, l.find('@'));
    if (name != "lo") out.push_back(name);
  }
  return out;
}

std::vector<std::string> CniTest::HostVeths() const {
  std::vector<std::string> out;
  for (const std::string& l : Links(host_->path())) {
    if (l.rfind("skf", 0) == 0) out.push_back(l);
  }
  return out;
}

std::vector<std::string> CniTest::HostRoutes(int family, const std::string& needle) const {
  std::vector<std::string> out;
  std::string cmd = family == 6 ? "ip -6 -o route show table all" : "ip -4 -o route show table all";
  for (const std::string& l : Lines(Sh(host_->path(), cmd).out)) {
    if (l.find(needle) != std::string::npos) out.push_back(l);
  }
  return out;
}

void CniTest::ExpectNothingLeft(const std::string& pod_netns) const {
  EXPECT_TRUE(HostVeths().empty()) << "host veths left: " << HostVeths().size();
  EXPECT_TRUE(Reservations().empty()) << "reservations left: " << Reservations().size();
  EXPECT_TRUE(HostRoutes(4, "10.77.").empty());
  EXPECT_TRUE(HostRoutes(6, "fd77:").empty());
  if (!pod_netns.empty()) {
    EXPECT_TRUE(Links(pod_netns).empty());
  }
}

}  // namespace skiff::cni::testing
