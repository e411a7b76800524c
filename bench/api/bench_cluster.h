// Shared by the API benchmarks: a skiff-server (and, for the etcd backend, an
// etcd) started as separate processes pinned to CPU 1 with a fresh data
// directory, removed again by the destructor; and percentile helpers.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "api/client/client.h"

namespace skiff::bench {

// The p-quantile (0..1) by nearest rank; 0 for an empty sample.
double Percentile(std::vector<double> v, double p);
double Median(std::vector<double> v);

struct ClusterSpec {
  std::string server_bin = "build/bin/skiff-server";
  std::string etcd_bin = "/usr/bin/etcd";
  std::string backend = "sqlite";       // or "etcd"
  std::vector<std::string> extra_args;  // appended to skiff-server's flags
};

class Cluster {
 public:
  // Attaches to a running server (for profiling it).
  explicit Cluster(const std::string& admin_conf);
  // Starts a server (and etcd) and waits up to 30 s for it to answer.
  explicit Cluster(const ClusterSpec& spec);
  ~Cluster();  // kills what it started, removes the data directory

  bool ready() const { return client_ != nullptr; }
  // A new connection with the admin token (nullptr on failure).
  std::unique_ptr<api::ApiClient> NewClient();
  // A new connection with `token` instead of the admin token.
  std::unique_ptr<api::ApiClient> NewClientWithToken(const std::string& token);
  api::ApiClient& client() { return *client_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string admin_conf_;
  pid_t etcd_ = -1, server_ = -1;
  std::unique_ptr<api::ApiClient> client_;
};

}  // namespace skiff::bench
