// Loads the LB BPF object (skeleton) with its maps pinned under a pin root,
// reusing compatible pinned maps from a previous run (so connection tracking
// and installed Services survive a restart) and recreating incompatible ones
// (layout or size changed; logged).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "dataplane/ebpf/maps.h"

struct skiff_lb;

namespace skiff::dataplane::ebpf {

struct LoadOptions {
  std::string pin_root = SKIFF_PIN_ROOT;
  uint32_t maglev_size = SKIFF_DEFAULT_MAGLEV_SIZE;  // prime
  uint32_t max_services = SKIFF_DEFAULT_MAX_SERVICES;
  uint32_t max_frontends = SKIFF_DEFAULT_MAX_FRONTENDS;
  uint32_t max_backends = SKIFF_DEFAULT_MAX_BACKENDS;
  uint32_t max_sets = SKIFF_DEFAULT_MAX_SETS;
  uint32_t tables_per_pool = 256;  // Maglev tables per pool (pool = one inner map)
  uint32_t ct_entries = SKIFF_DEFAULT_CT_ENTRIES;
  uint16_t snat_port_min = 61000;
  uint16_t snat_port_max = 65000;
  bool load_socket_programs = true;  // cgroup hooks
};

// The loaded object; programs stay loaded while this lives (attachments
// made through netlink/bpffs links keep them alive afterwards).
class LoadedLb {
 public:
  ~LoadedLb();
  LoadedLb(const LoadedLb&) = delete;
  LoadedLb& operator=(const LoadedLb&) = delete;

  skiff_lb* skel() const { return skel_; }
  const LbMaps& maps() const { return maps_; }
  const LoadOptions& options() const { return options_; }
  int tc_prog_fd() const;
  int tc_egress_prog_fd() const;
  int xdp_prog_fd() const;

 private:
  friend Result<std::unique_ptr<LoadedLb>> Load(const LoadOptions&);
  LoadedLb() = default;
  skiff_lb* skel_ = nullptr;
  LbMaps maps_;
  LoadOptions options_;
};

// Mounts bpffs at /sys/fs/bpf when needed, creates the pin root, removes
// incompatible pins, loads, and writes the config map. INVALID_ARGUMENT for
// a non-prime Maglev size; UNAVAILABLE when the kernel refuses the object.
Result<std::unique_ptr<LoadedLb>> Load(const LoadOptions& options);

// Updates the SNAT addresses in the config map (zero address = no SNAT).
Status SetSnatAddresses(const LbMaps& maps, const IpAddr* v4, const IpAddr* v6);

// Sends libbpf's messages to the "libbpf" logger (debug/trace levels).
void RouteLibbpfLogs();

// Removes every pin under `root` (maps and links) and the directory.
Status Unpin(const std::string& root);

}  // namespace skiff::dataplane::ebpf
