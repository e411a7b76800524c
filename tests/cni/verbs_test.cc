// Conformance of skiff-cni's verbs against the CNI 1.1 specification, each
// test in its own host and pod network namespaces.
#include <thread>

#include "tests/cni/fixture.h"

namespace skiff::cni::testing {
namespace {

using json::Value;

const Value* Member(const Value& v, const char* key) {
  const Value* m = v.Find(key);
  EXPECT_NE(m, nullptr) << "missing " << key << " in " << json::Serialize(v);
  return m;
}

std::string IpOf(const Value& result, int family) {
  for (const Value& ip : result.Find("ips")->as_array()) {
    std::string a = ip.Find("address")->as_string();
    bool v6 = a.find(':') != std::string::npos;
    if ((family == 6) == v6) return a.substr(0, a.find('/'));
  }
  return "";
}

TEST(CniVersion, ReportsEverySupportedVersion) {
  for (const char* stdin_data : {"", R"({"cniVersion":"0.3.1"})", R"({"cniVersion":"1.1.0"})"}) {
    PluginCall call;
    call.plugin = PluginPath();
    call.command = "VERSION";
    call.config = stdin_data;
    call.ifname.clear();
    call.path.clear();
    PluginResult r = Invoke(call);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const Value* versions = r.json.Find("supportedVersions");
    ASSERT_NE(versions, nullptr) << r.out;
    std::vector<std::string> got;
    for (const Value& v : versions->as_array())
      got.push_back(v.as_string());
    EXPECT_EQ(got, (std::vector<std::string>{"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}));
    EXPECT_EQ(r.json.Find("cniVersion")->as_string(), "1.1.0");
  }
}

class Verbs : public CniTest {};

TEST_F(Verbs, RoutedDualStackAdd) {
  TestNetns pod("p"), pod2("p");
  PluginResult r = Add("ctr-a", pod, BaseConf());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const Value& res = r.json;
  EXPECT_EQ(res.Find("cniVersion")->as_string(), "1.1.0");
  const auto& itfs = Member(res, "interfaces")->as_array();
  ASSERT_EQ(itfs.size(), 2u);
  EXPECT_EQ(itfs[0].Find("name")->as_string().substr(0, 3), "skf");
  EXPECT_EQ(itfs[0].Find("sandbox"), nullptr);
  EXPECT_EQ(itfs[1].Find("name")->as_string(), "eth0");
  EXPECT_EQ(itfs[1].Find("sandbox")->as_string(), pod.path());
  EXPECT_EQ(itfs[1].Find("mac")->as_string().size(), 17u);
  EXPECT_EQ(itfs[1].Find("mtu")->as_int(), 1500);
  const auto& ips = Member(res, "ips")->as_array();
  ASSERT_EQ(ips.size(), 2u);
  for (const Value& ip : ips) {
    EXPECT_EQ(ip.Find("version"), nullptr) << "1.x results carry no ips[].version";
    EXPECT_EQ(ip.Find("interface")->as_int(), 1);
  }
  EXPECT_EQ(ips[0].Find("address")->as_string(), "10.77.0.2/32");
  EXPECT_EQ(ips[0].Find("gateway")->as_string(), "169.254.1.1");
  EXPECT_EQ(ips[1].Find("address")->as_string(), "fd77::2/128");
  EXPECT_EQ(ips[1].Find("gateway")->as_string(), "fe80::1");
  const auto& routes = Member(res, "routes")->as_array();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].Find("dst")->as_string(), "0.0.0.0/0");
  EXPECT_EQ(routes[1].Find("dst")->as_string(), "::/0");
  EXPECT_TRUE(Member(res, "dns")->is_object());

  // Kernel state: /32 and /128 in the pod, routes via the link-local gateway,
  // host routes towards the pod, no address on the host side (no proxy ARP).
  std::string host_veth = itfs[0].Find("name")->as_string();
  EXPECT_NE(Sh(pod.path(), "ip -o addr show dev eth0").out.find("10.77.0.2/32"), std::string::npos);
  EXPECT_NE(Sh(pod.path(), "ip -o -6 addr show dev eth0").out.find("fd77::2/128"),
            std::string::npos);
  EXPECT_NE(Sh(pod.path(), "ip route").out.find("default via 169.254.1.1 dev eth0"),
            std::string::npos);
  EXPECT_NE(Sh(pod.path(), "ip -6 route").out.find("default via fe80::1 dev eth0"),
            std::string::npos);
  EXPECT_EQ(HostRoutes(4, "10.77.0.2 dev " + host_veth).size(), 1u);
  EXPECT_EQ(HostRoutes(6, "fd77::2 dev " + host_veth).size(), 1u);
  EXPECT_EQ(Sh(host_->path(), "ip -o -4 addr show dev " + host_veth).out, "");
  EXPECT_EQ(Sh(host_->path(), "cat /proc/sys/net/ipv4/conf/" + host_veth + "/proxy_arp").out,
            "0\n");

  // Connectivity: pod -> host address, pod -> pod over IPv4 and IPv6.
  ASSERT_EQ(Sh(host_->path(), "ip addr add 10.99.0.1/32 dev lo").exit_code, 0);
  PluginResult r2 = Add("ctr-b", pod2, BaseConf());
  ASSERT_EQ(r2.exit_code, 0) << r2.out;
  int host_fd = Listen(host_->path(), "10.99.0.1", 8080);
  ASSERT_GE(host_fd, 0);
  std::thread server([&]() { EXPECT_TRUE(AcceptEchoOnce(host_fd, std::chrono::seconds(5))); });
  EXPECT_TRUE(ConnectEcho(pod.path(), "10.99.0.1", 8080));
  server.join();
  close(host_fd);
  for (int family : {4, 6}) {
    int fd = Listen(pod2.path(), IpOf(r2.json, family), 9090);
    ASSERT_GE(fd, 0);
    std::thread s([&]() { EXPECT_TRUE(AcceptEchoOnce(fd, std::chrono::seconds(5))); });
    EXPECT_TRUE(ConnectEcho(pod.path(), IpOf(r2.json, family), 9090)) << "IPv" << family;
    s.join();
    close(fd);
  }
  EXPECT_EQ(Del("ctr-a", pod.path(), BaseConf()).exit_code, 0);
  EXPECT_EQ(Del("ctr-b", pod2.path(), BaseConf()).exit_code, 0);
  ExpectNothingLeft(pod.path());
}

TEST_F(Verbs, Ipv6OnlyAndIpv4OnlyNetworks) {
  for (const char* subnet : {"fd77::/64", "10.77.0.0/24"}) {
    bool v6 = std::string(subnet).find(':') != std::string::npos;
    Value conf = BaseConf();
    conf.as_object().Find("ipam")->as_object().Set(
        "ranges", Value(json::Array{json::Array{json::Object{{"subnet", subnet}}}}));
    TestNetns pod("p"), pod2("p");
    PluginResult r1 = Add("one", pod, conf);
    PluginResult r2 = Add("two", pod2, conf);
    ASSERT_EQ(r1.exit_code, 0) << r1.out;
    ASSERT_EQ(r2.exit_code, 0) << r2.out;
    ASSERT_EQ(r2.json.Find("ips")->as_array().size(), 1u);
    std::string ip = IpOf(r2.json, v6 ? 6 : 4);
    int fd = Listen(pod2.path(), ip, 9090);
    ASSERT_GE(fd, 0);
    std::thread s([&]() { EXPECT_TRUE(AcceptEchoOnce(fd, std::chrono::seconds(5))); });
    EXPECT_TRUE(ConnectEcho(pod.path(), ip, 9090)) << subnet;
    s.join();
    close(fd);
    // IPv4-only pods get no IPv6 link-local address; IPv6 pods keep theirs.
    std::string ll = Sh(pod.path(), "ip -6 -o addr show dev eth0 scope link").out;
    EXPECT_EQ(ll.empty(), !v6) << subnet << ": " << ll;
    EXPECT_EQ(Del("one", pod.path(), conf).exit_code, 0);
    EXPECT_EQ(Del("two", pod2.path(), conf).exit_code, 0);
    ExpectNothingLeft(pod.path());
  }
}

TEST_F(Verbs, ResultShapeFollowsTheConfigVersion) {
  int n = 0;
  for (const char* version : {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}) {
    TestNetns pod("p");
    std::string id = "shape-" + std::to_string(n++);
    PluginResult r = Add(id, pod, BaseConf(version));
    ASSERT_EQ(r.exit_code, 0) << version << ": " << r.out;
    EXPECT_EQ(r.json.Find("cniVersion")->as_string(), version);
    bool v1 = std::string(version) >= "1.0.0";
    for (const Value& ip : r.json.Find("ips")->as_array()) {
      if (v1) {
        EXPECT_EQ(ip.Find("version"), nullptr) << version;
      } else {
        ASSERT_NE(ip.Find("version"), nullptr) << version;
        bool v6 = ip.Find("address")->as_string().find(':') != std::string::npos;
        EXPECT_EQ(ip.Find("version")->as_string(), v6 ? "6" : "4");
      }
    }
    const Value& pod_itf = r.json.Find("interfaces")->as_array()[1];
    EXPECT_EQ(pod_itf.Find("sandbox")->as_string(), pod.path());
    EXPECT_EQ(pod_itf.Find("mtu") != nullptr, std::string(version) == "1.1.0") << version;
    EXPECT_NE(r.json.Find("routes"), nullptr);
    EXPECT_NE(r.json.Find("dns"), nullptr);
    // DEL gets the cached result in that version, as libcni passes it.
    EXPECT_EQ(Del(id, pod.path(), WithPrev(BaseConf(version), r.json)).exit_code, 0);
  }
  ExpectNothingLeft();
}

TEST_F(Verbs, BridgeModeWithHairpinAndMtu) {
  Value conf = BaseConf("1.0.0");
  conf.as_object().Set("mode", "bridge");
  conf.as_object().Set("bridge", "skcnibr0");
  conf.as_object().Set("hairpinMode", true);
  conf.as_object().Set("mtu", 1400);
  TestNetns pod("p"), pod2("p");
  PluginResult r = Add("br-a", pod, conf);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto& itfs = r.json.Find("interfaces")->as_array();
  ASSERT_EQ(itfs.size(), 3u);
  EXPECT_EQ(itfs[0].Find("name")->as_string(), "skcnibr0");
  EXPECT_EQ(itfs[2].Find("sandbox")->as_string(), pod.path());
  const auto& ips = r.json.Find("ips")->as_array();
  EXPECT_EQ(ips[0].Find("address")->as_string(), "10.77.0.2/24");
  EXPECT_EQ(ips[0].Find("gateway")->as_string(), "10.77.0.1");
  EXPECT_EQ(ips[0].Find("interface")->as_int(), 2);
  std::string br = Sh(host_->path(), "ip -o addr show dev skcnibr0").out;
  EXPECT_NE(br.find("10.77.0.1/24"), std::string::npos) << br;
  EXPECT_NE(br.find("fd77::1/64"), std::string::npos) << br;
  std::string port = itfs[1].Find("name")->as_string();
  EXPECT_NE(Sh(host_->path(), "ip -d link show dev " + port).out.find("hairpin on"),
            std::string::npos);
  EXPECT_NE(Sh(host_->path(), "ip link show dev " + port).out.find("mtu 1400"), std::string::npos);
  EXPECT_NE(Sh(pod.path(), "ip link show dev eth0").out.find("mtu 1400"), std::string::npos);
  EXPECT_NE(Sh(pod.path(), "ip route").out.find("default via 10.77.0.1"), std::string::npos);

  PluginResult r2 = Add("br-b", pod2, conf);
  ASSERT_EQ(r2.exit_code, 0) << r2.out;
  for (int family : {4, 6}) {
    int fd = Listen(pod2.path(), IpOf(r2.json, family), 9090);
    ASSERT_GE(fd, 0);
    std::thread s([&]() { EXPECT_TRUE(AcceptEchoOnce(fd, std::chrono::seconds(5))); });
    EXPECT_TRUE(ConnectEcho(pod.path(), IpOf(r2.json, family), 9090)) << "IPv" << family;
    s.join();
    close(fd);
  }
  // Pod -> its gateway on the bridge.
  int gw_fd = Listen(host_->path(), "10.77.0.1", 8081);
  ASSERT_GE(gw_fd, 0);
  std::thread s([&]() { EXPECT_TRUE(AcceptEchoOnce(gw_fd, std::chrono::seconds(5))); });
  EXPECT_TRUE(ConnectEcho(pod.path(), "10.77.0.1", 8081));
  s.join();
  close(gw_fd);
  EXPECT_EQ(Del("br-a", pod.path(), conf).exit_code, 0);
  EXPECT_EQ(Del("br-b", pod2.path(), conf).exit_code, 0);
  // The bridge and its gateway addresses are the network's, and stay.
  EXPECT_TRUE(HostVeths().empty());
  EXPECT_TRUE(Reservations().empty());
  EXPECT_TRUE(Links(pod.path()).empty());
  EXPECT_EQ(Sh(host_->path(), "ip -o link show master skcnibr0").out, "");
}

TEST_F(Verbs, DelIsIdempotentAndToleratesMissingNetnsAndState) {
  TestNetns pod("p");
  ASSERT_EQ(Add("del-a", pod, BaseConf()).exit_code, 0);
  EXPECT_EQ(Del("del-a", pod.path(), BaseConf()).exit_code, 0);
  PluginResult again = Del("del-a", pod.path(), BaseConf());
  EXPECT_EQ(again.exit_code, 0) << again.out;
  ExpectNothingLeft(pod.path());

  // The netns disappears before DEL (the runtime lost the container).
  auto gone = std::make_unique<TestNetns>("p");
  std::string gone_path = gone->path();
  ASSERT_EQ(Add("del-b", *gone, BaseConf()).exit_code, 0);
  gone->Remove();
  PluginResult r = Del("del-b", gone_path, BaseConf());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  // Without CNI_NETNS at all (allowed for DEL).
  EXPECT_EQ(Del("del-b", "", BaseConf()).exit_code, 0);
  ExpectNothingLeft();

  // No state at all: a data dir that never saw this network.
  Value fresh = BaseConf();
  TempDir other;
  fresh.as_object().Find("ipam")->as_object().Set("dataDir", other.path() + "/never");
  EXPECT_EQ(Del("never-added", pod.path(), fresh).exit_code, 0);
}

TEST_F(Verbs, CheckDetectsDeletedInterfaceAddressAndRoute) {
  struct Breakage {
    const char* what;
    std::string cmd;  // run in the pod (or host when it starts with "host:")
    bool on_host;
  };
  std::vector<Breakage> cases = {
      {"nothing", "true", false},
      {"address", "ip addr del 10.77.0.2/32 dev eth0", false},
      {"route", "ip -6 route del default via fe80::1 dev eth0", false},
      {"interface", "ip link del eth0", false},
      {"host route", "ip route del 10.77.0.2/32", true},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    TestNetns pod("p");
    std::string id = "chk-" + std::to_string(i);
    PluginResult add = Add(id, pod, BaseConf());
    ASSERT_EQ(add.exit_code, 0) << add.out;
    Value conf = WithPrev(BaseConf(), add.json);
    PluginResult ok = Call("CHECK", id, pod.path(), conf);
    ASSERT_EQ(ok.exit_code, 0) << ok.out;
    ASSERT_EQ(Sh(cases[i].on_host ? host_->path() : pod.path(), cases[i].cmd).exit_code, 0)
        << cases[i].cmd;
    PluginResult check = Call("CHECK", id, pod.path(), conf);
    if (i == 0) {
      EXPECT_EQ(check.exit_code, 0) << check.out;
    } else {
      EXPECT_NE(check.exit_code, 0) << cases[i].what << " deletion not detected";
      EXPECT_NE(check.error_code(), 0) << check.out;
      EXPECT_FALSE(check.error_msg().empty());
    }
    EXPECT_EQ(Del(id, pod.path(), conf).exit_code, 0);
    // Next test reuses the same addresses: reset round-robin by a fresh network dir.
    Sh("", "rm -rf " + data_.path() + "/" + kNetwork);
  }
  ExpectNothingLeft();
}

TEST_F(Verbs, CheckNeedsPrevResultAndVersion) {
  TestNetns pod("p");
  PluginResult add = Add("chk", pod, BaseConf("0.3.1"));
  ASSERT_EQ(add.exit_code, 0) << add.out;
  PluginResult old = Call("CHECK", "chk", pod.path(), WithPrev(BaseConf("0.3.1"), add.json));
  EXPECT_EQ(old.error_code(), 1) << old.out;
  PluginResult no_prev = Call("CHECK", "chk", pod.path(), BaseConf("1.0.0"));
  EXPECT_EQ(no_prev.error_code(), 7) << no_prev.out;
  EXPECT_NE(no_prev.error_msg().find("prevResult"), std::string::npos);
  EXPECT_EQ(Del("chk", pod.path(), BaseConf("0.3.1")).exit_code, 0);
}

TEST_F(Verbs, ChainingKeepsPrevResultAndAppends) {
  TestNetns pod("p");
  Value prev = *json::Parse(R"({
    "cniVersion": "1.0.0",
    "interfaces": [{"name": "dummy0", "mac": "02:00:00:00:00:09"}],
    "ips": [{"address": "192.0.2.9/24", "interface": 0}],
    "routes": [{"dst": "192.0.2.0/24"}],
    "dns": {"nameservers": ["192.0.2.53"]}
  })");
  PluginResult r = Add("chain", pod, WithPrev(BaseConf("1.0.0"), prev));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto& itfs = r.json.Find("interfaces")->as_array();
  ASSERT_EQ(itfs.size(), 3u);
  EXPECT_EQ(itfs[0].Find("name")->as_string(), "dummy0");
  const auto& ips = r.json.Find("ips")->as_array();
  ASSERT_EQ(ips.size(), 3u);
  EXPECT_EQ(ips[0].Find("address")->as_string(), "192.0.2.9/24");
  EXPECT_EQ(ips[0].Find("interface")->as_int(), 0);
  EXPECT_EQ(ips[1].Find("interface")->as_int(), 2);  // our eth0 after dummy0 and the host veth
  EXPECT_EQ(r.json.Find("routes")->as_array()[0].Find("dst")->as_string(), "192.0.2.0/24");
  EXPECT_EQ(r.json.Find("dns")->Find("nameservers")->as_array()[0].as_string(), "192.0.2.53");
  EXPECT_EQ(Del("chain", pod.path(), WithPrev(BaseConf("1.0.0"), r.json)).exit_code, 0);
  ExpectNothingLeft(pod.path());
}

TEST_F(Verbs, StaticIpMacDnsAndRuntimeRanges) {
  TestNetns pod("p");
  Value conf = BaseConf();
  conf.as_object().Set("capabilities", Value(json::Object{{"ipRanges", true}, {"mac", true}}));
  conf.as_object().Set(
      "runtimeConfig",
      *json::Parse(R"({"ipRanges": [[{"subnet": "10.88.0.0/24"}]], "mac": "02:aa:bb:cc:dd:ee",
                       "dns": {"servers": ["10.96.0.10"], "searches": ["svc.cluster.local"]}})"));
  PluginResult r = Call("ADD", "static", pod.path(), conf, "eth0", "IgnoreUnknown=1;IP=10.88.0.77");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.json.Find("ips")->as_array().size(), 1u);  // runtime ranges replace the config's
  EXPECT_EQ(r.json.Find("ips")->as_array()[0].Find("address")->as_string(), "10.88.0.77/32");
  EXPECT_EQ(r.json.Find("interfaces")->as_array()[1].Find("mac")->as_string(), "02:aa:bb:cc:dd:ee");
  EXPECT_EQ(r.json.Find("dns")->Find("nameservers")->as_array()[0].as_string(), "10.96.0.10");
  EXPECT_NE(Sh(pod.path(), "ip link show dev eth0").out.find("02:aa:bb:cc:dd:ee"),
            std::string::npos);
  // The same static address again is refused and nothing is left behind.
  TestNetns pod2("p");
  PluginResult dup =
      Call("ADD", "static2", pod2.path(), conf, "eth0", "IgnoreUnknown=1;IP=10.88.0.77");
  EXPECT_NE(dup.exit_code, 0);
  EXPECT_NE(dup.error_msg().find("10.88.0.77"), std::string::npos) << dup.out;
  EXPECT_TRUE(Links(pod2.path()).empty());
  EXPECT_EQ(Del("static", pod.path(), conf).exit_code, 0);
  ExpectNothingLeft(pod.path());
}

TEST_F(Verbs, IpMasqRulesFollowThePods) {
  if (Sh("", "command -v nft").exit_code != 0) GTEST_SKIP() << "nft not installed";
  Value conf = BaseConf();
  conf.as_object().Set("ipMasq", true);
  TestNetns pod("p"), pod2("p");
  ASSERT_EQ(Add("m1", pod, conf).exit_code, 0);
  ASSERT_EQ(Add("m2", pod2, conf).exit_code, 0);
  std::string rules = Sh(host_->path(), "nft list table inet skiff_cni").out;
  EXPECT_NE(rules.find("masquerade"), std::string::npos) << rules;
  EXPECT_NE(rules.find("10.77.0.2"), std::string::npos) << rules;
  EXPECT_NE(rules.find("10.77.0.3"), std::string::npos) << rules;
  EXPECT_NE(rules.find("fd77::2"), std::string::npos) << rules;
  ASSERT_EQ(Del("m1", pod.path(), conf).exit_code, 0);
  rules = Sh(host_->path(), "nft list table inet skiff_cni").out;
  EXPECT_EQ(rules.find("10.77.0.2 "), std::string::npos) << rules;
  EXPECT_NE(rules.find("10.77.0.3"), std::string::npos) << rules;
  ASSERT_EQ(Del("m2", pod2.path(), conf).exit_code, 0);
  rules = Sh(host_->path(), "nft list table inet skiff_cni").out;
  EXPECT_EQ(rules.find("masquerade"), std::string::npos) << rules;
  ExpectNothingLeft();
}

TEST_F(Verbs, GcReleasesAttachmentsNotInTheValidList) {
  TestNetns pod("p"), pod2("p");
  ASSERT_EQ(Add("keep", pod, BaseConf()).exit_code, 0);
  ASSERT_EQ(Add("drop", pod2, BaseConf()).exit_code, 0);
  ASSERT_EQ(Reservations().size(), 4u);
  ASSERT_EQ(HostVeths().size(), 2u);
  Value conf = BaseConf();
  conf.as_object().Set("cni.dev/valid-attachments",
                       *json::Parse(R"([{"containerID": "keep", "ifname": "eth0"}])"));
  PluginResult gc = Call("GC", "", "", conf, "");
  ASSERT_EQ(gc.exit_code, 0) << gc.out;
  EXPECT_EQ(Reservations().size(), 2u);
  EXPECT_EQ(HostVeths().size(), 1u);
  EXPECT_TRUE(Links(pod2.path()).empty());
  EXPECT_EQ(Links(pod.path()).size(), 1u);
  // GC needs a 1.1 config.
  Value old = conf;
  old.as_object().Set("cniVersion", "1.0.0");
  EXPECT_EQ(Call("GC", "", "", old, "").error_code(), 1);
  EXPECT_EQ(Del("keep", pod.path(), BaseConf()).exit_code, 0);
  ExpectNothingLeft();
}

TEST_F(Verbs, StatusReportsAvailability) {
  PluginResult ok = Call("STATUS", "", "", BaseConf(), "");
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_EQ(ok.out, "");
  EXPECT_EQ(Call("STATUS", "", "", BaseConf("1.0.0"), "").error_code(), 1);

  // 50: the range is exhausted, so an ADD could not succeed.
  Value tiny = BaseConf();
  tiny.as_object().Find("ipam")->as_object().Set("ranges",
                                                 *json::Parse(R"([[{"subnet": "10.77.0.0/30"}]])"));
  TestNetns pod("p");
  ASSERT_EQ(Add("only", pod, tiny).exit_code, 0);
  PluginResult full = Call("STATUS", "", "", tiny, "");
  EXPECT_EQ(full.error_code(), 50) << full.out;

  // 51: pods are attached but forwarding was switched off under them.
  ASSERT_EQ(Sh(host_->path(), "echo 0 > /proc/sys/net/ipv4/ip_forward").exit_code, 0);
  Value roomy = BaseConf();
  PluginResult limited = Call("STATUS", "", "", roomy, "");
  EXPECT_EQ(limited.error_code(), 51) << limited.out;
  EXPECT_EQ(Del("only", pod.path(), tiny).exit_code, 0);
}

TEST_F(Verbs, DelegatesToAnIpamPluginOnCniPath) {
  if (access("/usr/lib/cni/host-local", X_OK) != 0) GTEST_SKIP() << "host-local not installed";
  Value conf = BaseConf("1.0.0");
  conf.as_object().Set("ipam", *json::Parse(R"({"type": "host-local",
      "ranges": [[{"subnet": "10.66.0.0/24"}]], "dataDir": ")" +
                                            data_.path() + R"(/hl"})"));
  TestNetns pod("p");
  PluginResult r = Add("deleg", pod, conf);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.json.Find("ips")->as_array()[0].Find("address")->as_string(), "10.66.0.2/32");
  EXPECT_EQ(ListDir(data_.path() + "/hl/" + kNetwork).size(), 3u);  // ip, last_reserved, lock
  PluginResult check = Call("CHECK", "deleg", pod.path(), WithPrev(conf, r.json));
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_EQ(Del("deleg", pod.path(), conf).exit_code, 0);
  EXPECT_EQ(ListDir(data_.path() + "/hl/" + kNetwork).size(), 2u);
  ExpectNothingLeft(pod.path());
  // An IPAM type that is nowhere on CNI_PATH names the field.
  conf.as_object().Set("ipam", *json::Parse(R"({"type": "no-such-ipam"})"));
  PluginResult missing = Add("deleg2", pod, conf);
  EXPECT_EQ(missing.error_code(), 7) << missing.out;
  EXPECT_NE(missing.error_msg().find("ipam.type"), std::string::npos);
}

}  // namespace
}  // namespace skiff::cni::testing
