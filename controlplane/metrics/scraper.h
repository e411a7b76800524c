// Scraping one node agent's stats summary. NodeScraper is the seam tests
// replace; HttpScraper is the real one: GET /stats/summary on the address and
// port the agent published in its Node object, with a bearer token the agent
// checks against the API server (it must be allowed to get the Node).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "controlplane/metrics/summary.h"
#include "skiff/api/core.pb.h"

namespace skiff::metrics {

class NodeScraper {
 public:
  virtual ~NodeScraper() = default;
  // The node's current summary. Errors name the node and what failed.
  // Called concurrently for different nodes.
  virtual Result<NodeSummary> Scrape(const api::Node& node, std::chrono::milliseconds timeout) = 0;
};

struct AgentEndpoint {
  std::string host;
  uint16_t port = 0;
};

// Where the node's agent listens: the first InternalIP (else ExternalIP,
// else Hostname) of status.addresses and
// status.daemonEndpoints.kubeletEndpoint.Port. FAILED_PRECONDITION naming
// the missing field when the node published neither.
Result<AgentEndpoint> AgentEndpointOf(const api::Node& node);

class HttpScraper : public NodeScraper {
 public:
  // `token`: sent as "Authorization: Bearer"; "" sends none.
  explicit HttpScraper(std::string token) : token_(std::move(token)) {}
  Result<NodeSummary> Scrape(const api::Node& node, std::chrono::milliseconds timeout) override;

 private:
  std::string token_;
};

}  // namespace skiff::metrics
