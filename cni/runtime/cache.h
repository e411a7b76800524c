// The result cache of a runtime, in libcni's on-disk format so tools that
// read libcni caches (and containerd's) understand it:
//   <dir>/results/<network>-<containerID>-<ifname>
//   {"kind": "cniCacheV1", "containerId", "config": <base64 of the list>,
//    "ifName", "networkName", "netns", "cniArgs": [[k, v]...],
//    "capabilityArgs": {...}, "result": {...}}
// Writes are atomic (temporary file + rename). Safe for concurrent use on
// different attachments; one attachment must not be written concurrently.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/json/json.h"
#include "common/status.h"

namespace skiff::cni::runtime {

struct CachedAttachment {
  std::string network;
  std::string container_id;
  std::string ifname;
  std::string netns;
  std::vector<std::pair<std::string, std::string>> cni_args;
  json::Object capability_args;
  std::string config_bytes;  // the network configuration list as loaded
  json::Value result;        // null when no result was cached
};

class ResultCache {
 public:
  explicit ResultCache(std::string dir) : dir_(std::move(dir)) {}

  Status Write(const CachedAttachment& a) const;
  // nullopt when nothing is cached for the attachment.
  Result<std::optional<CachedAttachment>> Read(const std::string& network,
                                               const std::string& container_id,
                                               const std::string& ifname) const;
  // Absent is fine.
  Status Remove(const std::string& network, const std::string& container_id,
                const std::string& ifname) const;
  // Every cached attachment of `network` ("" for all networks).
  Result<std::vector<CachedAttachment>> List(const std::string& network) const;

  std::string PathFor(const std::string& network, const std::string& container_id,
                      const std::string& ifname) const;

 private:
  std::string dir_;
};

std::string Base64Encode(std::string_view data);
// INVALID_ARGUMENT on malformed input.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace skiff::cni::runtime
