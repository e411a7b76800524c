#include "common/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace skiff::metrics {
namespace {

TEST(Metrics, CounterGaugeRender) {
  Registry r;
  auto& c = r.GetCounter("skiff_requests_total", "Requests.", {{"verb", "get"}, {"kind", "Pod"}});
  c.Inc();
  c.Inc(2);
  EXPECT_EQ(&c,
            &r.GetCounter("skiff_requests_total", "Requests.", {{"verb", "get"}, {"kind", "Pod"}}));
  r.GetGauge("skiff_watchers", "Watchers.").Set(4);
  std::string text = r.Render();
  EXPECT_NE(text.find("# TYPE skiff_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("skiff_requests_total{verb=\"get\",kind=\"Pod\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("skiff_watchers 4\n"), std::string::npos);
}

TEST(Metrics, HistogramIsCumulative) {
  Registry r;
  auto& h = r.GetHistogram("lat_seconds", "Latency.", {0.1, 1}, {{"op", "x"}});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  std::string text = r.Render();
  EXPECT_NE(text.find("lat_seconds_bucket{op=\"x\",le=\"0.10000000000000001\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lat_seconds_bucket{op=\"x\",le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{op=\"x\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_count{op=\"x\"} 3\n"), std::string::npos);
}

TEST(Metrics, ConcurrentIncrementsAreNotLost) {
  Registry r;
  auto& c = r.GetCounter("n", "N.");
  std::thread a([&] {
    for (int i = 0; i < 100000; ++i)
      c.Inc();
  });
  std::thread b([&] {
    for (int i = 0; i < 100000; ++i)
      c.Inc();
  });
  a.join();
  b.join();
  EXPECT_EQ(c.Value(), 200000u);
}

TEST(Metrics, LabelValuesAreEscaped) {
  EXPECT_EQ(RenderLabels({{"a", "x\"y\\z\n"}}), "{a=\"x\\\"y\\\\z\\n\"}");
}

}  // namespace
}  // namespace skiff::metrics
