#include "dataplane/dpdk/stats_client.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/http_server.h"
#include "dataplane/dpdk/prom_text.h"

namespace skiff::dataplane::dpdk {
namespace {

const char kMetrics[] =
    "# HELP skiff_dpdk_port_packets_total Packets.\n"
    "# TYPE skiff_dpdk_port_packets_total counter\n"
    "skiff_dpdk_port_packets_total{port=\"net_af_packet0\",direction=\"rx\"} 1000\n"
    "skiff_dpdk_port_packets_total{port=\"net_af_packet0\",direction=\"tx\"} 990\n"
    "skiff_dpdk_port_bytes_total{port=\"net_af_packet0\",direction=\"rx\"} 64000\n"
    "skiff_dpdk_port_drops_total{port=\"net_af_packet0\",reason=\"rx_missed\"} 7\n"
    "skiff_dpdk_lcore_packets_total{lcore=\"1\",direction=\"rx\"} 600\n"
    "skiff_dpdk_lcore_packets_total{lcore=\"1\",direction=\"tx\"} 590\n"
    "skiff_dpdk_lcore_packets_total{lcore=\"2\",direction=\"rx\"} 400\n"
    "skiff_dpdk_lcore_packets_total{lcore=\"2\",direction=\"tx\"} 400\n"
    "skiff_dpdk_lcore_drops_total{lcore=\"1\",reason=\"no_route\"} 4\n"
    "skiff_dpdk_lcore_drops_total{lcore=\"1\",reason=\"tx_full\"} 0\n"
    "skiff_dpdk_lcore_drops_total{lcore=\"1\",reason=\"bad_packet\"} 6\n"
    "skiff_dpdk_lcore_bad_packets_total{lcore=\"1\",class=\"fragment\",action=\"dropped\"} 6\n"
    "skiff_dpdk_lcore_new_flows_total{lcore=\"1\"} 30\n"
    "skiff_dpdk_lcore_polls_total{lcore=\"1\"} 1000\n"
    "skiff_dpdk_lcore_busy_polls_total{lcore=\"1\"} 250\n"
    "skiff_dpdk_flow_entries{lcore=\"1\",family=\"ipv4\"} 60\n"
    "skiff_dpdk_flow_entries{lcore=\"1\",family=\"ipv6\"} 4\n"
    "skiff_dpdk_flow_capacity{lcore=\"1\",family=\"ipv4\"} 512\n"
    "skiff_dpdk_flow_capacity{lcore=\"1\",family=\"ipv6\"} 512\n"
    "skiff_proxy_service_packets_total{service=\"default/web:http\"} 990\n"
    "skiff_proxy_service_new_flows_total{service=\"default/web:http\"} 30\n"
    "skiff_proxy_service_rejects_total{service=\"default/empty:80\"} 2\n"
    "skiff_proxy_service_packets_total{service=\"default/empty:80\"} 0\n";

TEST(PromText, ParsesSamplesLabelsAndEscapes) {
  auto m = ParsePromText(
      "# comment\n\n"
      "a_total 3\n"
      "b{x=\"1\",y=\"q\\\"uo\\\\te\\n\"} 2.5 1700000000000\n"
      "c{} +Inf\r\n"
      "  d{z=\"\"} -1e3\n");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->at("a_total").size(), 1u);
  EXPECT_EQ(m->at("a_total")[0].value, 3);
  const PromSample& b = m->at("b")[0];
  EXPECT_EQ(b.value, 2.5);
  EXPECT_EQ(b.labels.at("x"), "1");
  EXPECT_EQ(b.labels.at("y"), "q\"uo\\te\n");
  EXPECT_TRUE(std::isinf(m->at("c")[0].value));
  EXPECT_EQ(m->at("d")[0].value, -1000);
  EXPECT_EQ(m->at("d")[0].labels.at("z"), "");
}

TEST(PromText, MalformedLinesNameTheLine) {
  for (const char* bad : {"1abc 3", "a{x=1} 3", "a{x=\"1} 3", "a", "a 3x", "a{=\"v\"} 1"}) {
    auto m = ParsePromText(std::string("ok 1\n") + bad + "\n");
    ASSERT_FALSE(m.ok()) << bad;
    EXPECT_NE(m.status().message().find("line 2"), std::string::npos) << m.status().message();
  }
}

TEST(Stats, TablesFromMetrics) {
  auto m = ParsePromText(kMetrics);
  ASSERT_TRUE(m.ok());
  auto s = StatsFromMetrics(*m);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->ports.rows.size(), 1u);
  EXPECT_EQ(s->ports.rows[0][0], "net_af_packet0");
  EXPECT_EQ(s->ports.rows[0][1], "1000");
  EXPECT_EQ(s->ports.rows[0][2], "990");
  EXPECT_EQ(s->ports.rows[0][5], "7");
  ASSERT_EQ(s->lcores.rows.size(), 2u);
  EXPECT_EQ(s->lcores.rows[0][0], "1");
  EXPECT_EQ(s->lcores.rows[0][3], "10");  // dropped
  EXPECT_EQ(s->lcores.rows[0][5], "60");
  EXPECT_EQ(s->lcores.rows[0][7], "6.2%");   // 64 of 1024
  EXPECT_EQ(s->lcores.rows[0][8], "25.0%");  // busy polls
  // Non-zero drops only, bad classes with their action.
  ASSERT_EQ(s->drops.rows.size(), 3u);
  EXPECT_EQ(s->drops.rows[2][1], "fragment (dropped)");
  ASSERT_EQ(s->services.rows.size(), 2u);
  EXPECT_EQ(s->services.rows[1][4], "2");
  std::string text = RenderText(*s);
  EXPECT_NE(text.find("LCORES"), std::string::npos);
  EXPECT_NE(text.find("net_af_packet0"), std::string::npos);
  json::Value j = ToJson(*s);
  EXPECT_TRUE(j.is_object());
}

TEST(Stats, NotTheDpdkEngine) {
  auto m = ParsePromText("skiff_proxy_map_entries{map=\"skiff_svc4_v1\"} 3\n");
  ASSERT_TRUE(m.ok());
  auto s = StatsFromMetrics(*m);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
  EXPECT_NE(s.status().message().find("--engine=dpdk"), std::string::npos);
}

TEST(Stats, FetchesOverHttp) {
  auto srv = http::Server::Start("127.0.0.1:0", {{"/metrics", [](const http::Request&) {
                                                    http::Response r;
                                                    r.body = kMetrics;
                                                    return r;
                                                  }}});
  ASSERT_TRUE(srv.ok());
  std::string addr = "127.0.0.1:" + std::to_string((*srv)->port());
  auto s = FetchStats(addr);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->lcores.rows.size(), 2u);
  srv->reset();
  auto gone = FetchStats(addr, 500);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(gone.status().message().find(addr), std::string::npos);
  EXPECT_FALSE(FetchStats("not an address").ok());
}

}  // namespace
}  // namespace skiff::dataplane::dpdk
