// Every error code skiff-cni promises, in the spec's shape, with nothing left
// behind after a failing ADD (including failures after the veth exists).
#include "tests/cni/fixture.h"

namespace skiff::cni::testing {
namespace {

using json::Value;

class Errors : public CniTest {
 protected:
  // Checks the spec's error object and returns its message.
  std::string ExpectError(const PluginResult& r, int code) {
    EXPECT_NE(r.exit_code, 0) << r.out;
    EXPECT_TRUE(r.json.is_object()) << "stdout is not a JSON error: " << r.out;
    if (!r.json.is_object()) return "";
    for (const char* key : {"cniVersion", "code", "msg", "details"}) {
      EXPECT_NE(r.json.Find(key), nullptr) << key << " missing in " << r.out;
    }
    EXPECT_EQ(r.error_code(), code) << r.out;
    return r.error_msg();
  }
};

TEST_F(Errors, IncompatibleVersion1) {
  TestNetns pod("p");
  Value conf = BaseConf();
  conf.as_object().Set("cniVersion", "0.2.0");
  std::string msg = ExpectError(Add("e1", pod, conf), 1);
  EXPECT_NE(msg.find("0.2.0"), std::string::npos);
  ExpectNothingLeft(pod.path());
}

TEST_F(Errors, UnsupportedField2UnknownMode) {
  TestNetns pod("p");
  Value conf = BaseConf();
  conf.as_object().Set("mode", "vxlan");
  std::string msg = ExpectError(Add("e2", pod, conf), 2);
  EXPECT_NE(msg.find("mode"), std::string::npos);
  EXPECT_NE(msg.find("vxlan"), std::string::npos);
  ExpectNothingLeft(pod.path());
}

TEST_F(Errors, UnknownContainer3NetnsDoesNotExist) {
  std::string msg =
      ExpectError(Call("ADD", "e3", "/run/netns/skcni-does-not-exist", BaseConf()), 3);
  EXPECT_NE(msg.find("/run/netns/skcni-does-not-exist"), std::string::npos);
  ExpectNothingLeft();
  // CHECK on a vanished namespace too.
  Value prev = *json::Parse(
      R"({"cniVersion":"1.1.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/x"}]})");
  ExpectError(Call("CHECK", "e3", "/run/netns/skcni-does-not-exist", WithPrev(BaseConf(), prev)),
              3);
}

TEST_F(Errors, InvalidEnvironment4) {
  TestNetns pod("p");
  PluginCall call;
  call.plugin = plugin_;
  call.host_netns = host_->path();
  call.config = Text(BaseConf());
  call.command = "ADD";
  call.container_id = "e4";
  call.netns = pod.path();
  call.ifname = "";  // missing CNI_IFNAME
  std::string msg = ExpectError(Invoke(call), 4);
  EXPECT_NE(msg.find("CNI_IFNAME"), std::string::npos);
  call.ifname = "eth0";
  call.args = "K8S_POD_NAME=x;NOT_A_PAIR";
  EXPECT_NE(ExpectError(Invoke(call), 4).find("CNI_ARGS"), std::string::npos);
  call.args = "UNKNOWN_KEY=1";
  EXPECT_NE(ExpectError(Invoke(call), 4).find("UNKNOWN_KEY"), std::string::npos);
  call.args = "UNKNOWN_KEY=1;IgnoreUnknown=1";
  PluginResult ok = Invoke(call);
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_EQ(Del("e4", pod.path(), BaseConf()).exit_code, 0);
  call.args.clear();
  call.command = "BOGUS";
  EXPECT_NE(ExpectError(Invoke(call), 4).find("BOGUS"), std::string::npos);
  call.command = "ADD";
  call.ifname = "name-longer-than-15";
  ExpectError(Invoke(call), 4);
  // A path that exists but is not a network namespace.
  ExpectError(Call("ADD", "e4b", "/proc/self/status", BaseConf()), 4);
  ExpectNothingLeft(pod.path());
}

TEST_F(Errors, IoFailure5) {
  TestNetns pod("p");
  Value conf = BaseConf();
  conf.as_object().Find("ipam")->as_object().Set("dataDir", "/dev/null/skcni");
  std::string msg = ExpectError(Add("e5", pod, conf), 5);
  EXPECT_NE(msg.find("/dev/null/skcni"), std::string::npos);
  ExpectNothingLeft(pod.path());
}

TEST_F(Errors, DecodingFailure6) {
  TestNetns pod("p");
  PluginCall call;
  call.plugin = plugin_;
  call.host_netns = host_->path();
  call.command = "ADD";
  call.container_id = "e6";
  call.netns = pod.path();
  call.config = R"({"cniVersion": "1.0.0", "name": )";
  std::string msg = ExpectError(Invoke(call), 6);
  EXPECT_NE(msg.find("offset"), std::string::npos) << msg;
  call.config = "[]";
  ExpectError(Invoke(call), 6);
  ExpectNothingLeft(pod.path());
}

TEST_F(Errors, InvalidConfig7NamesTheField) {
  TestNetns pod("p");
  struct Case {
    std::string set_path;  // what we break
    std::function<void(Value&)> mutate;
    const char* needle;
  };
  std::vector<Case> cases = {
      {"name", [](Value& c) { c.as_object().Erase("name"); }, "name"},
      {"cniVersion", [](Value& c) { c.as_object().Erase("cniVersion"); }, "cniVersion"},
      {"ipam", [](Value& c) { c.as_object().Erase("ipam"); }, "ipam"},
      {"subnet",
       [](Value& c) {
         c.as_object().Find("ipam")->as_object().Set(
             "ranges", *json::Parse(R"([[{"subnet": "10.77.0.0/99"}]])"));
       },
       "ipam.ranges[0][0].subnet"},
      {"mtu", [](Value& c) { c.as_object().Set("mtu", "big"); }, "mtu"},
  };
  for (Case& c : cases) {
    Value conf = BaseConf();
    c.mutate(conf);
    std::string msg = ExpectError(Add("e7", pod, conf), 7);
    EXPECT_NE(msg.find(c.needle), std::string::npos) << c.set_path << ": " << msg;
  }
  ExpectNothingLeft(pod.path());
}

TEST_F(Errors, TryAgain11WhenTheRangeIsExhausted) {
  Value conf = BaseConf();
  conf.as_object().Find("ipam")->as_object().Set(
      "ranges", *json::Parse(R"([[{"subnet": "10.77.0.0/30"}]])"));  // one usable address
  TestNetns pod("p"), pod2("p");
  ASSERT_EQ(Add("first", pod, conf).exit_code, 0);
  std::string msg = ExpectError(Add("second", pod2, conf), 11);
  EXPECT_NE(msg.find("10.77.0."), std::string::npos) << msg;
  EXPECT_TRUE(Links(pod2.path()).empty());
  EXPECT_EQ(Reservations().size(), 1u);
  EXPECT_EQ(HostVeths().size(), 1u);
  EXPECT_EQ(Del("first", pod.path(), conf).exit_code, 0);
  ExpectNothingLeft();
}

TEST_F(Errors, RollbackWhenTheInterfaceNameIsTaken) {
  TestNetns pod("p");
  ASSERT_EQ(Sh(pod.path(), "ip link add eth0 type veth peer name other0").exit_code, 0);
  PluginResult r = Add("taken", pod, BaseConf());
  std::string msg = ExpectError(r, 4);
  EXPECT_NE(msg.find("eth0"), std::string::npos) << msg;
  EXPECT_TRUE(Reservations().empty());
  EXPECT_TRUE(HostVeths().empty());
  // The pre-existing pair is untouched.
  EXPECT_EQ(Links(pod.path()), (std::vector<std::string>{"other0", "eth0"}));
}

TEST_F(Errors, RepeatedAddLeavesTheFirstAttachmentAlone) {
  TestNetns pod("p");
  PluginResult first = Add("twice", pod, BaseConf());
  ASSERT_EQ(first.exit_code, 0) << first.out;
  std::string msg = ExpectError(Add("twice", pod, BaseConf()), 4);
  EXPECT_NE(msg.find("already has interface eth0"), std::string::npos) << msg;
  EXPECT_EQ(Reservations().size(), 2u);
  EXPECT_EQ(HostVeths().size(), 1u);
  EXPECT_NE(Sh(pod.path(), "ip -o addr show dev eth0").out.find("10.77.0.2/32"), std::string::npos);
  PluginResult check = Call("CHECK", "twice", pod.path(), WithPrev(BaseConf(), first.json));
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_EQ(Del("twice", pod.path(), BaseConf()).exit_code, 0);
  ExpectNothingLeft(pod.path());
}

TEST_F(Errors, RollbackAfterTheVethExists) {
  // Bridge mode with a route whose gateway is not on any connected subnet:
  // the pod-side route fails after IPAM, the bridge and the veth were created.
  Value conf = BaseConf();
  conf.as_object().Set("mode", "bridge");
  conf.as_object().Set("bridge", "skcnirb0");
  conf.as_object().Find("ipam")->as_object().Set(
      "routes", *json::Parse(R"([{"dst": "192.0.2.0/24", "gw": "198.51.100.1"}])"));
  TestNetns pod("p");
  PluginResult r = Add("rollback", pod, conf);
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.error_msg().find("192.0.2.0/24"), std::string::npos) << r.out;
  ExpectNothingLeft(pod.path());
  // The bridge this failed ADD created is gone as well.
  EXPECT_NE(Sh(host_->path(), "ip link show skcnirb0").exit_code, 0);
}

}  // namespace
}  // namespace skiff::cni::testing
