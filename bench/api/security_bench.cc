// Security overhead benchmark (issue 8): Secret create and get latency with
// authentication + RBAC + encryption at rest on, versus off, in one run
// (on, off, on, off, ... interleaved rounds; fresh SQLite server each).
//
//   on:  the default server (--authorization-mode RBAC, a generated
//        AES-256-GCM key), called with a ServiceAccount token (signature
//        check, ServiceAccount lookup) that a RoleBinding allows to create
//        and get Secrets: every call walks authentication, the RBAC rules
//        and the encrypting store, as a workload's calls do.
//   off: --authorization-mode AlwaysAllow --encryption-provider-config none,
//        called with the static admin token. The server has no switch that
//        skips authentication (every call carries a token); the static token
//        is its cheapest form, a table lookup.
// With --breakdown two more configurations split the difference: the
// ServiceAccount token + RBAC without encryption, and encryption alone.
//
// The server runs pinned to CPU 1 (taskset), this load generator pins
// itself to CPU 0. Prints a Markdown table; asserts nothing.
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "api/client/typed.h"
#include "bench/api/bench_cluster.h"
#include "common/flags.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/rbac.pb.h"
#include "skiff/api/service.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
using skiff::bench::Cluster;
using skiff::bench::ClusterSpec;
using skiff::bench::Median;
using skiff::bench::Percentile;

struct Options {
  std::string server_bin = "build/bin/skiff-server";
  int64_t rounds = 3;
  int64_t objects = 2000;
  int64_t concurrency = 8;
  int64_t value_bytes = 1024;
  bool all = false;  // also the two halves (RBAC only, encryption only)
};

struct RoundResult {
  double create_p50 = 0, create_p99 = 0, get_p50 = 0, get_p99 = 0;  // ms
  double creates_per_s = 0, gets_per_s = 0;
  int64_t errors = 0;
};

std::string Fail(const std::string& what, const skiff::Status& s) {
  return what + ": " + s.ToString();
}

// The ServiceAccount "bench" in default, allowed to create and get Secrets there; its token.
skiff::Result<std::string> BenchToken(skiff::api::ApiClient& admin) {
  skiff::api::ServiceAccount sa;
  sa.mutable_metadata()->set_name("bench");
  sa.mutable_metadata()->set_namespace_("default");
  auto created = skiff::api::CreateObject(admin, sa);
  if (!created.ok() && created.status().code() != skiff::StatusCode::kAlreadyExists) {
    return created.status();
  }
  skiff::api::Role role;
  role.mutable_metadata()->set_name("bench-secrets");
  role.mutable_metadata()->set_namespace_("default");
  auto* rule = role.add_rules();
  rule->add_api_groups("");
  rule->add_resources("secrets");
  rule->add_verbs("create");
  rule->add_verbs("get");
  auto r = skiff::api::CreateObject(admin, role);
  if (!r.ok()) return r.status();
  skiff::api::RoleBinding binding;
  binding.mutable_metadata()->set_name("bench-secrets");
  binding.mutable_metadata()->set_namespace_("default");
  auto* subject = binding.add_subjects();
  subject->set_kind("ServiceAccount");
  subject->set_name("bench");
  subject->set_namespace_("default");
  binding.mutable_role_ref()->set_api_group("rbac.authorization.k8s.io");
  binding.mutable_role_ref()->set_kind("Role");
  binding.mutable_role_ref()->set_name("bench-secrets");
  auto b = skiff::api::CreateObject(admin, binding);
  if (!b.ok()) return b.status();
  skiff::api::CreateTokenRequest req;
  req.set_namespace_("default");
  req.set_service_account("bench");
  req.set_expiration_seconds(3600);
  auto token = admin.CreateToken(req);
  if (!token.ok()) return token.status();
  return token->token();
}

// Runs `op(i)` for i in [0, n) on `concurrency` threads; per-call latencies in ms.
template <typename Op>
std::vector<double> Drive(int64_t n, int64_t concurrency, std::atomic<int64_t>& errors,
                          double* per_s, Op op) {
  std::vector<std::vector<double>> lat(static_cast<size_t>(concurrency));
  std::atomic<int64_t> next{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int64_t t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t i; (i = next++) < n;) {
        auto t0 = Clock::now();
        if (!op(t, i)) ++errors;
        lat[static_cast<size_t>(t)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& th : threads)
    th.join();
  *per_s = static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : lat)
    all.insert(all.end(), v.begin(), v.end());
  return all;
}

// One server configuration under test.
struct Config {
  const char* name;
  bool rbac;        // --authorization-mode RBAC (else AlwaysAllow)
  bool encryption;  // the generated AES-GCM key (else --encryption-provider-config none)
  bool sa_token;    // a ServiceAccount token bound by RBAC (else the static admin token)
};

// "on" and "off" are the comparison the issue asks for; the two halves show where the
// difference goes.
constexpr Config kConfigs[] = {
    {"on: SA token + RBAC + AES-GCM", true, true, true},
    {"off: admin token, AlwaysAllow, plain", false, false, false},
    {"SA token + RBAC only", true, false, true},
    {"AES-GCM only", false, true, false},
};

skiff::Result<RoundResult> Round(const Options& o, const Config& config) {
  ClusterSpec spec;
  spec.server_bin = o.server_bin;
  if (!config.rbac) spec.extra_args = {"--authorization-mode", "AlwaysAllow"};
  if (!config.encryption) {
    spec.extra_args.push_back("--encryption-provider-config");
    spec.extra_args.push_back("none");
  }
  bool secure = config.sa_token;
  Cluster cluster(spec);
  if (!cluster.ready()) {
    return skiff::Unavailable("server did not start (see " + cluster.dir() + "/server.log)");
  }
  std::string token;
  if (secure) {
    auto t = BenchToken(cluster.client());
    if (!t.ok()) return skiff::Internal(Fail("set up the bench ServiceAccount", t.status()));
    token = *t;
  }
  std::vector<std::unique_ptr<skiff::api::ApiClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(secure ? cluster.NewClientWithToken(token) : cluster.NewClient());
    if (!clients.back()) return skiff::Internal("cannot connect a client");
  }
  auto client = [&](int64_t t) -> skiff::api::ApiClient& {
    return *clients[static_cast<size_t>(t) % clients.size()];
  };
  std::string value(static_cast<size_t>(o.value_bytes), 'v');
  // Warm-up: connections, caches, the SQLite file.
  for (int i = 0; i < 50; ++i) {
    skiff::api::Secret s;
    s.mutable_metadata()->set_name("warm-" + std::to_string(i));
    s.mutable_metadata()->set_namespace_("default");
    (*s.mutable_data())["value"] = value;
    auto r = skiff::api::CreateObject(client(i), s);
    if (!r.ok()) return skiff::Internal(Fail("warm-up create", r.status()));
  }
  RoundResult r;
  std::atomic<int64_t> errors{0};
  auto creates =
      Drive(o.objects, o.concurrency, errors, &r.creates_per_s, [&](int64_t t, int64_t i) {
        skiff::api::Secret s;
        s.mutable_metadata()->set_name("s-" + std::to_string(i));
        s.mutable_metadata()->set_namespace_("default");
        (*s.mutable_data())["value"] = value;
        return skiff::api::CreateObject(client(t), s).ok();
      });
  auto gets = Drive(o.objects, o.concurrency, errors, &r.gets_per_s, [&](int64_t t, int64_t i) {
    // A stride through the set, so reads do not follow the write order.
    int64_t k = (i * 7919) % o.objects;
    auto s =
        skiff::api::GetObject<skiff::api::Secret>(client(t), "default", "s-" + std::to_string(k));
    return s.ok() && s->data().at("value").size() == value.size();
  });
  r.create_p50 = Percentile(creates, 0.5);
  r.create_p99 = Percentile(creates, 0.99);
  r.get_p50 = Percentile(gets, 0.5);
  r.get_p99 = Percentile(gets, 0.99);
  r.errors = errors.load();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  skiff::FlagSet flags("api_security_bench [flags]",
                       "Secret create/get latency with auth + RBAC + encryption on versus off.");
  flags.String("server-bin", &o.server_bin, "skiff-server binary.");
  flags.Int("rounds", &o.rounds, "Interleaved rounds per configuration (at least 3 to compare).");
  flags.Int("objects", &o.objects, "Secrets created (then read) per round.");
  flags.Int("concurrency", &o.concurrency, "Concurrent calls.");
  flags.Int("value-bytes", &o.value_bytes, "Bytes of each Secret's value.");
  flags.Bool("breakdown", &o.all,
             "Also measure SA token + RBAC alone and encryption alone (4 configurations).");
  auto args = flags.Parse(argc, argv);
  if (!args.ok()) {
    std::fprintf(stderr, "api_security_bench: %s\n", args.status().message().c_str());
    return 2;
  }
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (o.rounds < 1 || o.objects < 1 || o.concurrency < 1 || o.value_bytes < 0 ||
      o.objects > 1'000'000 || o.concurrency > 256) {
    std::fprintf(stderr,
                 "api_security_bench: --rounds, --objects (<= 1e6), --concurrency (<= 256) must "
                 "be positive\n");
    return 2;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  sched_setaffinity(0, sizeof set, &set);

  size_t n = o.all ? std::size(kConfigs) : 2;
  std::vector<std::vector<RoundResult>> results(n);
  for (int64_t round = 0; round < o.rounds; ++round) {
    for (size_t c = 0; c < n; ++c) {
      auto r = Round(o, kConfigs[c]);
      if (!r.ok()) {
        std::fprintf(stderr, "round %ld %s: %s\n", static_cast<long>(round + 1), kConfigs[c].name,
                     r.status().ToString().c_str());
        return 1;
      }
      std::fprintf(stderr,
                   "round %ld %-38s create p50 %6.2f p99 %6.2f ms (%6.0f/s) | get p50 %5.2f p99 "
                   "%5.2f ms (%6.0f/s) | errors %ld\n",
                   static_cast<long>(round + 1), kConfigs[c].name, r->create_p50, r->create_p99,
                   r->creates_per_s, r->get_p50, r->get_p99, r->gets_per_s,
                   static_cast<long>(r->errors));
      results[c].push_back(*r);
    }
  }
  auto med = [&](size_t c, double RoundResult::*f) {
    std::vector<double> v;
    for (const auto& r : results[c])
      v.push_back(r.*f);
    return Median(v);
  };
  // Per round, configuration c against "off" (index 1) measured next to it.
  auto ratio = [&](size_t c, double RoundResult::*f) {
    std::vector<double> v;
    for (size_t i = 0; i < results[c].size(); ++i)
      v.push_back(results[c][i].*f / results[1][i].*f);
    return Median(v);
  };
  std::printf(
      "| configuration | create p50 (ms) | create p99 (ms) | creates/s | get p50 (ms) | get p99 "
      "(ms) | gets/s |\n|---|---:|---:|---:|---:|---:|---:|\n");
  for (size_t c = 0; c < n; ++c) {
    std::printf("| %s | %.2f | %.2f | %.0f | %.2f | %.2f | %.0f |\n", kConfigs[c].name,
                med(c, &RoundResult::create_p50), med(c, &RoundResult::create_p99),
                med(c, &RoundResult::creates_per_s), med(c, &RoundResult::get_p50),
                med(c, &RoundResult::get_p99), med(c, &RoundResult::gets_per_s));
  }
  for (size_t c = 0; c < n; ++c) {
    if (c == 1) continue;
    std::printf("| *%s / off* | %.2f× | %.2f× | %.2f× | %.2f× | %.2f× | %.2f× |\n",
                kConfigs[c].name, ratio(c, &RoundResult::create_p50),
                ratio(c, &RoundResult::create_p99), ratio(c, &RoundResult::creates_per_s),
                ratio(c, &RoundResult::get_p50), ratio(c, &RoundResult::get_p99),
                ratio(c, &RoundResult::gets_per_s));
  }
  std::printf(
      "\n(%ld Secrets of %ld bytes created then read per round, %ld concurrent calls, %ld "
      "rounds per configuration, interleaved; medians; ratios: per-round medians against off)\n",
      static_cast<long>(o.objects), static_cast<long>(o.value_bytes),
      static_cast<long>(o.concurrency), static_cast<long>(o.rounds));
  return 0;
}
