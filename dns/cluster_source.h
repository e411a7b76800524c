// ClusterSource: what feeds ClusterState. The binary starts exactly one.
//
// INTEGRATION POINT (watch client): implement a ClusterSource whose Start()
// runs the api/ informer for Services, EndpointSlices and (with --pods
// verified) Pods against the API server named by --config (admin.conf),
// translating each add/update event into ClusterState::Upsert*, each delete
// into Delete*, and calling MarkSynced() once the initial lists are applied
// (a re-list after a compaction can use ReplaceAll). Then return it from
// MakeClusterSource() for `--config` in cluster_source.cc.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "dns/cluster_state.h"
#include "dns/options.h"

namespace skiff::dns {

class ClusterSource {
 public:
  virtual ~ClusterSource() = default;
  // Begins feeding `state`, which outlives the source. An error means the
  // source cannot work at all (bad file, unreachable config).
  virtual Status Start(ClusterState& state) = 0;
  // SIGHUP: re-read the input where that means something. On error the
  // previous records stay in place.
  virtual Status Reload() { return Status::Ok(); }
  virtual void Stop() {}
};

// --static-records FILE: loads the file (ReplaceAll), marks synced, and
// reloads it on Reload().
class StaticFileSource : public ClusterSource {
 public:
  explicit StaticFileSource(std::string path) : path_(std::move(path)) {}
  Status Start(ClusterState& state) override;
  Status Reload() override;

 private:
  std::string path_;
  ClusterState* state_ = nullptr;
};

// The source selected by the options: --static-records, or --config once the
// watch-fed source is wired in (until then --config alone is an error that
// says so).
Result<std::unique_ptr<ClusterSource>> MakeClusterSource(const Options& o);

}  // namespace skiff::dns
