#include "controlplane/metrics/scraper.h"

#include "controlplane/metrics/http_get.h"

namespace skiff::metrics {

Result<AgentEndpoint> AgentEndpointOf(const api::Node& node) {
  const std::string& name = node.metadata().name();
  AgentEndpoint ep;
  for (const char* type : {"InternalIP", "ExternalIP", "Hostname"}) {
    for (const auto& a : node.status().addresses()) {
      if (a.type() == type && !a.address().empty()) {
        ep.host = a.address();
        break;
      }
    }
    if (!ep.host.empty()) break;
  }
  if (ep.host.empty()) {
    return FailedPrecondition("node " + name +
                              " has no InternalIP, ExternalIP or Hostname in status.addresses");
  }
  int32_t port = node.status().daemon_endpoints().kubelet_endpoint().port();
  if (port <= 0 || port > 65535) {
    return FailedPrecondition("node " + name + " has no agent port in " +
                              "status.daemonEndpoints.kubeletEndpoint.Port (got " +
                              std::to_string(port) + ")");
  }
  ep.port = static_cast<uint16_t>(port);
  return ep;
}

Result<NodeSummary> HttpScraper::Scrape(const api::Node& node, std::chrono::milliseconds timeout) {
  const std::string& name = node.metadata().name();
  auto ep = AgentEndpointOf(node);
  if (!ep.ok()) return ep.status();
  HttpGetRequest req;
  req.host = ep->host;
  req.port = ep->port;
  req.path = "/stats/summary";
  req.bearer_token = token_;
  req.timeout = timeout;
  req.max_body_bytes = kMaxSummaryBytes;
  auto reply = HttpGet(req);
  if (!reply.ok()) return reply.status().WithContext("scrape node " + name);
  std::string where =
      "scrape node " + name + " (" + ep->host + ":" + std::to_string(ep->port) + ")";
  std::string said = reply->body.substr(0, 200);
  while (!said.empty() && (said.back() == '\n' || said.back() == '\r'))
    said.pop_back();
  switch (reply->status) {
    case 200:
      break;
    case 401:
      return Status(StatusCode::kUnauthenticated,
                    where + ": the agent did not accept the collector's token: " + said);
    case 403:
      return Status(StatusCode::kPermissionDenied,
                    where + ": the collector's token may not read node stats: " + said);
    default:
      return Unavailable(where + ": HTTP " + std::to_string(reply->status) + ": " + said);
  }
  auto summary = ParseSummary(reply->body);
  if (!summary.ok()) return summary.status().WithContext(where);
  if (summary->node_name != name) {
    return FailedPrecondition(where + ": the agent answered for node \"" + summary->node_name +
                              "\"");
  }
  return summary;
}

}  // namespace skiff::metrics
