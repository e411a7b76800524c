// The runtime library against scripted fake plugins that record every call
// (verb, environment, stdin): chain order, prevResult passing, capability
// injection, caching, error mapping, GC and STATUS semantics.
#include "cni/runtime/runtime.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace skiff::cni::runtime {
namespace {

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/skiff-cni-runtime-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    std::filesystem::create_directories(root_ + "/bin");
    std::filesystem::create_directories(root_ + "/calls");
    for (const char* name : {"alpha", "beta"})
      WritePlugin(name);
    std::ofstream(root_ + "/bin/sleepy") << "#!/bin/sh\nsleep 30\n";
    chmod((root_ + "/bin/sleepy").c_str(), 0755);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // A plugin that stores its stdin as calls/<seq>-<name>-<VERB>.json, logs
  // its environment, fails with code 7 when the config says "failme": VERB,
  // and prints a result naming itself on ADD.
  void WritePlugin(const std::string& name) {
    std::string path = root_ + "/bin/" + name;
    std::ofstream f(path);
    f << "#!/bin/sh\n"
      << "d=" << root_ << "/calls\n"
      << "n=$(ls $d | wc -l)\n"
      << "f=$d/$(printf %03d $n)-" << name << "-$CNI_COMMAND.json\n"
      << "cat > $f\n"
      << "echo \"" << name
      << " $CNI_COMMAND|$CNI_CONTAINERID|$CNI_IFNAME|$CNI_NETNS|$CNI_ARGS|$CNI_PATH\" >> " << root_
      << "/log\n"
      << "if grep -q \"\\\"failme\\\":\\\"$CNI_COMMAND\\\"\" $f; then\n"
      << "  echo '{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"bad " << name
      << "\",\"details\":\"more\"}'; exit 1\nfi\n"
      << "[ \"$CNI_COMMAND\" = ADD ] && echo "
         "'{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\""
      << name << "\"}],\"ips\":[{\"address\":\"10.0.0.1/24\",\"interface\":0}],\"dns\":{}}'\n"
      << "[ \"$CNI_COMMAND\" = VERSION ] && echo "
         "'{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"1.0.0\",\"1.1.0\"]}'\n"
      << "exit 0\n";
    f.close();
    chmod(path.c_str(), 0755);
  }

  CniRuntime MakeRuntime() {
    Options o;
    o.plugin_dirs = {root_ + "/nonexistent", root_ + "/bin"};
    o.cache_dir = root_ + "/cache";
    o.exec_timeout = std::chrono::milliseconds(5000);
    return CniRuntime(o);
  }

  NetworkConfigList List(const std::string& version, const std::string& extra = "") {
    auto l = ParseConfList(R"({"cniVersion": ")" + version + R"(", "name": "net", )" + extra +
                           R"("plugins": [{"type": "alpha", "failme": "none"},
                                          {"type": "beta", "capabilities": {"portMappings": true}}]})");
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    return *l;
  }

  RuntimeConf Rt(const std::string& id = "c1") {
    RuntimeConf rt;
    rt.container_id = id;
    rt.netns = "/run/netns/" + id;
    rt.args = {{"IgnoreUnknown", "1"}, {"K8S_POD_NAME", "web"}};
    rt.capability_args.Set("portMappings", json::Array{json::Object{{"hostPort", 8080}}});
    rt.SetPodCidrs({"10.244.1.0/24"});
    return rt;
  }

  // Calls in order: "<seq>-<plugin>-<VERB>" -> parsed stdin.
  std::vector<std::pair<std::string, json::Value>> Calls() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(root_ + "/calls")) {
      names.push_back(e.path().filename());
    }
    std::sort(names.begin(), names.end());
    std::vector<std::pair<std::string, json::Value>> out;
    for (const auto& n : names) {
      std::ifstream in(root_ + "/calls/" + n);
      std::stringstream ss;
      ss << in.rdbuf();
      auto v = json::Parse(ss.str());
      out.emplace_back(n.substr(4, n.size() - 9), v.ok() ? *v : json::Value());
    }
    return out;
  }
  void ClearCalls() {
    std::filesystem::remove_all(root_ + "/calls");
    std::filesystem::create_directories(root_ + "/calls");
  }

  std::string root_;
};

TEST_F(RuntimeTest, AddRunsTheChainInOrderAndCaches) {
  CniRuntime rt = MakeRuntime();
  auto result = rt.AddNetworkList(List("1.0.0"), Rt());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->Find("interfaces")->as_array()[0].Find("name")->as_string(), "beta");
  auto calls = Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].first, "alpha-ADD");
  EXPECT_EQ(calls[1].first, "beta-ADD");
  // Name and version injected; alpha declares no capabilities: no runtimeConfig.
  EXPECT_EQ(calls[0].second.Find("name")->as_string(), "net");
  EXPECT_EQ(calls[0].second.Find("cniVersion")->as_string(), "1.0.0");
  EXPECT_EQ(calls[0].second.Find("runtimeConfig"), nullptr);
  EXPECT_EQ(calls[0].second.Find("prevResult"), nullptr);
  // beta gets alpha's result and only the capability it declared.
  const json::Value* prev = calls[1].second.Find("prevResult");
  ASSERT_NE(prev, nullptr);
  EXPECT_EQ(prev->Find("interfaces")->as_array()[0].Find("name")->as_string(), "alpha");
  const json::Value* rc = calls[1].second.Find("runtimeConfig");
  ASSERT_NE(rc, nullptr);
  EXPECT_NE(rc->Find("portMappings"), nullptr);
  EXPECT_EQ(rc->Find("ipRanges"), nullptr);
  // Environment as the spec wants it.
  std::ifstream log(root_ + "/log");
  std::string line;
  std::getline(log, line);
  EXPECT_EQ(line, "alpha ADD|c1|eth0|/run/netns/c1|IgnoreUnknown=1;K8S_POD_NAME=web|" + root_ +
                      "/nonexistent:" + root_ + "/bin");
  // Cached in libcni's place and format.
  auto cached = rt.GetCachedResult("net", Rt());
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(*cached, *result);
  EXPECT_TRUE(std::filesystem::exists(root_ + "/cache/results/net-c1-eth0"));
}

TEST_F(RuntimeTest, DelRunsInReverseWithTheCachedResult) {
  CniRuntime rt = MakeRuntime();
  ASSERT_TRUE(rt.AddNetworkList(List("1.0.0"), Rt()).ok());
  ClearCalls();
  ASSERT_TRUE(rt.DelNetworkList(List("1.0.0"), Rt()).ok());
  auto calls = Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].first, "beta-DEL");
  EXPECT_EQ(calls[1].first, "alpha-DEL");
  for (const auto& [name, conf] : calls) {
    ASSERT_NE(conf.Find("prevResult"), nullptr) << name;
    EXPECT_EQ(conf.Find("prevResult")->Find("interfaces")->as_array()[0].Find("name")->as_string(),
              "beta");
  }
  EXPECT_FALSE(std::filesystem::exists(root_ + "/cache/results/net-c1-eth0"));
  // Again, without a cache entry: still fine, no prevResult.
  ClearCalls();
  ASSERT_TRUE(rt.DelNetworkList(List("1.0.0"), Rt()).ok());
  EXPECT_EQ(Calls()[0].second.Find("prevResult"), nullptr);
}

TEST_F(RuntimeTest, CheckUsesTheCacheAndHonoursVersionAndDisableCheck) {
  CniRuntime rt = MakeRuntime();
  Status no_cache = rt.CheckNetworkList(List("1.0.0"), Rt());
  EXPECT_EQ(no_cache.code(), StatusCode::kNotFound);
  ASSERT_TRUE(rt.AddNetworkList(List("1.0.0"), Rt()).ok());
  ClearCalls();
  ASSERT_TRUE(rt.CheckNetworkList(List("1.0.0"), Rt()).ok());
  auto calls = Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].first, "alpha-CHECK");
  EXPECT_NE(calls[0].second.Find("prevResult"), nullptr);
  ClearCalls();
  EXPECT_TRUE(rt.CheckNetworkList(List("1.0.0", R"("disableCheck": true,)"), Rt()).ok());
  EXPECT_TRUE(Calls().empty());
  EXPECT_EQ(rt.CheckNetworkList(List("0.3.1"), Rt()).code(), StatusCode::kFailedPrecondition);
}

TEST_F(RuntimeTest, PluginErrorsNameThePluginAndCode) {
  CniRuntime rt = MakeRuntime();
  auto list = List("1.0.0");
  list.plugins[0].as_object().Set("failme", "ADD");
  PluginFailure failure;
  auto r = rt.AddNetworkList(list, Rt(), &failure);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("plugin \"alpha\" ADD failed"), std::string::npos) << m;
  EXPECT_NE(m.find("CNI error 7 (invalid network config)"), std::string::npos) << m;
  EXPECT_NE(m.find("bad alpha"), std::string::npos) << m;
  EXPECT_EQ(failure.plugin, "alpha");
  EXPECT_EQ(failure.code, 7);
  EXPECT_EQ(failure.details, "more");
  EXPECT_FALSE(std::filesystem::exists(root_ + "/cache/results/net-c1-eth0"));

  auto missing = ParseConfList(R"({"cniVersion": "1.0.0", "name": "net",
                                   "plugins": [{"type": "nope"}]})");
  auto m2 = rt.AddNetworkList(*missing, Rt());
  EXPECT_EQ(m2.status().code(), StatusCode::kNotFound);
  EXPECT_NE(m2.status().message().find("\"nope\""), std::string::npos);
}

TEST_F(RuntimeTest, ExecTimeout) {
  Options o;
  o.plugin_dirs = {root_ + "/bin"};
  o.cache_dir = root_ + "/cache";
  o.exec_timeout = std::chrono::milliseconds(200);
  CniRuntime rt(o);
  auto l =
      ParseConfList(R"({"cniVersion": "1.0.0", "name": "net", "plugins": [{"type": "sleepy"}]})");
  auto r = rt.AddNetworkList(*l, Rt());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
}

TEST_F(RuntimeTest, GcDeletesStaleAttachmentsThenRunsGc) {
  CniRuntime rt = MakeRuntime();
  ASSERT_TRUE(rt.AddNetworkList(List("1.1.0"), Rt("keep")).ok());
  ASSERT_TRUE(rt.AddNetworkList(List("1.1.0"), Rt("stale")).ok());
  ClearCalls();
  ASSERT_TRUE(rt.GCNetworkList(List("1.1.0"), {{"keep", "eth0"}}).ok());
  auto calls = Calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].first, "beta-DEL");
  EXPECT_EQ(calls[1].first, "alpha-DEL");
  EXPECT_EQ(calls[2].first, "alpha-GC");
  EXPECT_EQ(calls[3].first, "beta-GC");
  const json::Value* valid = calls[2].second.Find("cni.dev/valid-attachments");
  ASSERT_NE(valid, nullptr);
  EXPECT_EQ(valid->as_array()[0].Find("containerID")->as_string(), "keep");
  EXPECT_EQ(rt.GetCachedAttachments("net")->size(), 1u);
  // Before 1.1.0 only the stale DELs happen, no GC verb.
  ClearCalls();
  ASSERT_TRUE(rt.GCNetworkList(List("1.0.0"), {}).ok());
  for (const auto& c : Calls())
    EXPECT_EQ(c.first.find("GC"), std::string::npos) << c.first;
}

TEST_F(RuntimeTest, StatusOnlyFromVersion11) {
  CniRuntime rt = MakeRuntime();
  ASSERT_TRUE(rt.GetStatusNetworkList(List("1.0.0")).ok());
  EXPECT_TRUE(Calls().empty());
  ASSERT_TRUE(rt.GetStatusNetworkList(List("1.1.0")).ok());
  EXPECT_EQ(Calls().size(), 2u);
  auto list = List("1.1.0");
  list.plugins[1].as_object().Set("failme", "STATUS");
  PluginFailure f;
  Status s = rt.GetStatusNetworkList(list, &f);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(f.plugin, "beta");
  auto versions = rt.GetVersionInfo("alpha");
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(versions->size(), 2u);
}

TEST_F(RuntimeTest, ValidateNetworkList) {
  CniRuntime rt = MakeRuntime();
  EXPECT_TRUE(rt.ValidateNetworkList(List("1.1.0")).ok());
  Status old = rt.ValidateNetworkList(List("0.4.0"));  // the fakes speak 1.0.0 and 1.1.0
  EXPECT_EQ(old.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(old.message().find("\"alpha\""), std::string::npos) << old.message();
  auto missing = ParseConfList(R"({"cniVersion": "1.0.0", "name": "net",
                                   "plugins": [{"type": "nope"}]})");
  EXPECT_EQ(rt.ValidateNetworkList(*missing).code(), StatusCode::kNotFound);
}

TEST(CniErrorMapping, Codes) {
  EXPECT_EQ(StatusCodeForCniError(1), StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatusCodeForCniError(3), StatusCode::kNotFound);
  EXPECT_EQ(StatusCodeForCniError(7), StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusCodeForCniError(11), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForCniError(50), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForCniError(999), StatusCode::kInternal);
}

}  // namespace
}  // namespace skiff::cni::runtime
