#include "dns/stats.h"

#include <cstdio>

#include "dns/wire.h"

namespace skiff::dns {
namespace {

constexpr double kBounds[WorkerStats::kBuckets] = {10e-6,  25e-6,  50e-6,  100e-6, 250e-6, 500e-6,
                                                   1e-3,   2.5e-3, 5e-3,   10e-3,  25e-3,  50e-3,
                                                   100e-3, 250e-3, 500e-3, 1.0,    2.5,    5.0};
constexpr uint16_t kTypeOrder[WorkerStats::kTypes - 1] = {
    type::kA,     type::kAAAA, type::kSRV, type::kPTR, type::kTXT,
    type::kCNAME, type::kSOA,  type::kNS,  type::kMX,  type::kANY};
constexpr const char* kFailureNames[5] = {"timeout", "error", "servfail", "loop", "overload"};

uint64_t Load(const std::atomic<uint64_t>& a) {
  return a.load(std::memory_order_relaxed);
}

void Family(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void Line(std::string& out, const std::string& series, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, " %.17g\n", v);
  out += series;
  out += buf;
}

}  // namespace

const double* LatencyBounds() {
  return kBounds;
}

size_t WorkerStats::TypeSlot(uint16_t qtype) {
  for (size_t i = 0; i < kTypes - 1; ++i) {
    if (kTypeOrder[i] == qtype) return i;
  }
  return kTypes - 1;
}

size_t WorkerStats::RcodeSlot(uint16_t rcode) {
  if (rcode <= 5) return rcode;
  return rcode == rcode::kBadVers ? 6 : 7;
}

void WorkerStats::ObserveLatency(uint64_t ns, uint64_t n) {
  const double s = static_cast<double>(ns) * 1e-9;
  size_t b = 0;
  while (b < kBuckets && s > kBounds[b])
    ++b;
  Add(latency[b], n);
  Add(latency_count, n);
  Add(latency_sum_ns, ns * n);
}

Stats::Stats(size_t slots) {
  for (size_t i = 0; i < slots; ++i)
    slots_.push_back(std::make_unique<WorkerStats>());
}

void Stats::Render(std::string& out) const {
  auto sum = [&](auto field) {
    uint64_t t = 0;
    for (const auto& s : slots_)
      t += Load(field(*s));
    return t;
  };
  Family(out, "skiff_dns_requests_total", "counter", "DNS requests by transport and query type.");
  for (int p = 0; p < 2; ++p) {
    for (size_t t = 0; t < WorkerStats::kTypes; ++t) {
      uint64_t v = sum(
          [&](const WorkerStats& s) -> const std::atomic<uint64_t>& { return s.requests[p][t]; });
      std::string type_name =
          t + 1 < WorkerStats::kTypes ? std::string(TypeName(kTypeOrder[t])) : "other";
      Line(out,
           std::string("skiff_dns_requests_total{proto=\"") + (p ? "tcp" : "udp") + "\",type=\"" +
               type_name + "\"}",
           static_cast<double>(v));
    }
  }
  Family(out, "skiff_dns_responses_total", "counter", "DNS responses by rcode.");
  const char* rcodes[WorkerStats::kRcodes] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                              "NOTIMP",  "REFUSED", "BADVERS",  "other"};
  for (size_t r = 0; r < WorkerStats::kRcodes; ++r) {
    uint64_t v =
        sum([&](const WorkerStats& s) -> const std::atomic<uint64_t>& { return s.responses[r]; });
    Line(out, std::string("skiff_dns_responses_total{rcode=\"") + rcodes[r] + "\"}",
         static_cast<double>(v));
  }
  Family(out, "skiff_dns_request_duration_seconds", "histogram",
         "Time from receiving a request to sending its response.");
  uint64_t cumulative = 0;
  for (size_t b = 0; b <= WorkerStats::kBuckets; ++b) {
    cumulative +=
        sum([&](const WorkerStats& s) -> const std::atomic<uint64_t>& { return s.latency[b]; });
    char le[32];
    if (b < WorkerStats::kBuckets) {
      std::snprintf(le, sizeof le, "%g", kBounds[b]);
    } else {
      std::snprintf(le, sizeof le, "+Inf");
    }
    Line(out, std::string("skiff_dns_request_duration_seconds_bucket{le=\"") + le + "\"}",
         static_cast<double>(cumulative));
  }
  Line(out, "skiff_dns_request_duration_seconds_sum",
       static_cast<double>(sum(
           [](const WorkerStats& s) -> const std::atomic<uint64_t>& { return s.latency_sum_ns; })) *
           1e-9);
  Line(out, "skiff_dns_request_duration_seconds_count",
       static_cast<double>(sum(
           [](const WorkerStats& s) -> const std::atomic<uint64_t>& { return s.latency_count; })));

  struct Simple {
    const char* name;
    const char* help;
    const std::atomic<uint64_t> WorkerStats::*field;
  };
  const Simple simple[] = {
      {"skiff_dns_cache_hits_total", "Forwarded questions answered from the cache.",
       &WorkerStats::cache_hits},
      {"skiff_dns_cache_misses_total", "Forwarded questions not in the cache.",
       &WorkerStats::cache_misses},
      {"skiff_dns_truncated_total", "UDP responses sent with TC=1.", &WorkerStats::truncated},
      {"skiff_dns_dropped_total", "Messages dropped unanswered (responses, runts).",
       &WorkerStats::dropped},
      {"skiff_dns_forward_requests_total", "Questions handed to the forwarder.",
       &WorkerStats::forwarded},
      {"skiff_dns_forward_coalesced_total",
       "Forwarded questions that joined an identical in-flight one.", &WorkerStats::coalesced},
      {"skiff_dns_upstream_queries_total", "Queries sent to upstream servers.",
       &WorkerStats::upstream_queries},
  };
  for (const Simple& f : simple) {
    Family(out, f.name, "counter", f.help);
    Line(out, f.name,
         static_cast<double>(sum(
             [&](const WorkerStats& s) -> const std::atomic<uint64_t>& { return s.*f.field; })));
  }
  Family(out, "skiff_dns_upstream_failures_total", "counter",
         "Forwarded questions that got no usable upstream answer, by reason.");
  for (int r = 0; r < 5; ++r) {
    Line(out, std::string("skiff_dns_upstream_failures_total{reason=\"") + kFailureNames[r] + "\"}",
         static_cast<double>(sum([&](const WorkerStats& s) -> const std::atomic<uint64_t>& {
           return s.upstream_failures[r];
         })));
  }
}

}  // namespace skiff::dns
