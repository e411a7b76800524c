#include "node/pod/pod_files.h"

#include <gtest/gtest.h>

namespace skiff::node {
namespace {

api::Pod Pod(const std::string& policy, bool host_network = false) {
  api::Pod p;
  p.mutable_metadata()->set_name("web-0");
  p.mutable_metadata()->set_namespace_("shop");
  p.mutable_spec()->set_dns_policy(policy);
  p.mutable_spec()->set_host_network(host_network);
  return p;
}

DnsSettings Settings() {
  DnsSettings s;
  s.cluster_dns = {"10.96.0.10"};
  s.host = ParseResolvConf(
      "# comment\nnameserver 192.168.1.1\nnameserver 192.168.1.2\nsearch corp.example\n"
      "options edns0 ndots:2\n");
  return s;
}

TEST(ResolvConfTest, ParsesAndFormats) {
  ResolvConf rc = ParseResolvConf(
      "domain a.example\nsearch b.example c.example ; x\nnameserver 1.1.1.1\n"
      "options ndots:1 attempts:2\noptions ndots:3\n");
  EXPECT_EQ(rc.searches, (std::vector<std::string>{"b.example", "c.example"}));
  EXPECT_EQ(rc.nameservers, (std::vector<std::string>{"1.1.1.1"}));
  EXPECT_EQ(rc.options, (std::vector<std::string>{"ndots:3", "attempts:2"}));
  EXPECT_EQ(FormatResolvConf(rc),
            "search b.example c.example\nnameserver 1.1.1.1\noptions ndots:3 attempts:2\n");
}

TEST(ResolvConfTest, ClusterFirst) {
  std::vector<std::string> warnings;
  ResolvConf rc = PodResolvConf(Pod("ClusterFirst"), Settings(), &warnings);
  EXPECT_EQ(FormatResolvConf(rc),
            "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\n"
            "nameserver 10.96.0.10\noptions ndots:5\n");
  EXPECT_TRUE(warnings.empty());
}

TEST(ResolvConfTest, HostNetworkAndDefault) {
  // ClusterFirst on the host network means the node's resolver...
  ResolvConf host = PodResolvConf(Pod("ClusterFirst", true), Settings(), nullptr);
  EXPECT_EQ(host.nameservers, (std::vector<std::string>{"192.168.1.1", "192.168.1.2"}));
  // ...unless asked for explicitly.
  ResolvConf with = PodResolvConf(Pod("ClusterFirstWithHostNet", true), Settings(), nullptr);
  EXPECT_EQ(with.nameservers, (std::vector<std::string>{"10.96.0.10"}));
  ResolvConf def = PodResolvConf(Pod("Default"), Settings(), nullptr);
  EXPECT_EQ(def.searches, (std::vector<std::string>{"corp.example"}));
  EXPECT_EQ(def.options, (std::vector<std::string>{"edns0", "ndots:2"}));
}

TEST(ResolvConfTest, NoneAndDnsConfigMerging) {
  api::Pod pod = Pod("None");
  auto* dc = pod.mutable_spec()->mutable_dns_config();
  dc->add_nameservers("1.2.3.4");
  dc->add_searches("ns1.svc.cluster-domain.example");
  auto* o = dc->add_options();
  o->set_name("ndots");
  o->set_value("2");
  dc->add_options()->set_name("edns0");
  EXPECT_EQ(FormatResolvConf(PodResolvConf(pod, Settings(), nullptr)),
            "search ns1.svc.cluster-domain.example\nnameserver 1.2.3.4\noptions ndots:2 edns0\n");
  // On top of ClusterFirst: appended, options replaced by name.
  api::Pod merged = Pod("ClusterFirst");
  *merged.mutable_spec()->mutable_dns_config() = *dc;
  ResolvConf rc = PodResolvConf(merged, Settings(), nullptr);
  EXPECT_EQ(rc.nameservers, (std::vector<std::string>{"10.96.0.10", "1.2.3.4"}));
  EXPECT_EQ(rc.options, (std::vector<std::string>{"ndots:2", "edns0"}));
}

TEST(ResolvConfTest, LimitsAndMissingClusterDns) {
  api::Pod pod = Pod("ClusterFirst");
  for (int i = 0; i < 4; ++i) {
    pod.mutable_spec()->mutable_dns_config()->add_nameservers("9.9.9." + std::to_string(i));
  }
  std::vector<std::string> warnings;
  ResolvConf rc = PodResolvConf(pod, Settings(), &warnings);
  EXPECT_EQ(rc.nameservers.size(), 3u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("Nameserver limits"), std::string::npos);
  DnsSettings none = Settings();
  none.cluster_dns.clear();
  warnings.clear();
  rc = PodResolvConf(Pod("ClusterFirst"), none, &warnings);
  EXPECT_EQ(rc.nameservers[0], "192.168.1.1");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("Falling back to \"Default\""), std::string::npos);
}

TEST(HostsFileTest, PodEntriesAndAliases) {
  api::Pod pod = Pod("ClusterFirst");
  pod.mutable_spec()->set_hostname("db");
  pod.mutable_spec()->set_subdomain("replicas");
  auto* alias = pod.mutable_spec()->add_host_aliases();
  alias->set_ip("1.2.3.4");
  alias->add_hostnames("foo.local");
  alias->add_hostnames("bar.local");
  std::string hosts = PodHostsFile(pod, {"10.244.1.5"}, "cluster.local", "");
  EXPECT_EQ(hosts.rfind("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n", 0), 0u);
  EXPECT_NE(hosts.find("10.244.1.5\tdb.replicas.shop.svc.cluster.local\tdb\n"), std::string::npos);
  EXPECT_NE(hosts.find("# Entries added by HostAliases.\n1.2.3.4\tfoo.local\tbar.local\n"),
            std::string::npos);
  api::Pod plain = Pod("ClusterFirst");
  EXPECT_NE(PodHostsFile(plain, {"10.244.1.6"}, "cluster.local", "").find("10.244.1.6\tweb-0\n"),
            std::string::npos);
  api::Pod host = Pod("ClusterFirst", true);
  std::string h = PodHostsFile(host, {}, "cluster.local", "127.0.0.1 localhost mybox");
  EXPECT_EQ(h, "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost mybox\n");
}

TEST(HostnameTest, TruncatesLongPodNames) {
  api::Pod p = Pod("ClusterFirst");
  p.mutable_metadata()->set_name(std::string(62, 'a') + "-b");
  EXPECT_EQ(PodHostname(p), std::string(62, 'a'));
  p.mutable_spec()->set_hostname("explicit");
  EXPECT_EQ(PodHostname(p), "explicit");
}

}  // namespace
}  // namespace skiff::node
