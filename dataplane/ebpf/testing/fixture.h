// Test/benchmark support: the LB object loaded under a private pin root with
// a Core + EbpfEngine to install Services, and BPF_PROG_TEST_RUN helpers.
// Everything it pinned is removed on destruction. Needs root and BPF.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "dataplane/core/core.h"
#include "dataplane/core/maglev.h"
#include "dataplane/ebpf/engine.h"
#include "dataplane/ebpf/loader.h"

namespace skiff::dataplane::testing {

struct RunResult {
  int retval = -1;
  std::vector<uint8_t> out;
  uint32_t duration_ns = 0;  // average per run, from the kernel
};

class LbFixture {
 public:
  // UNAVAILABLE when the kernel cannot load the programs.
  // `capacity`: frontends/service ports the maps must hold (backends and
  // sets get 4x / 1x of it).
  static Result<std::unique_ptr<LbFixture>> Create(uint32_t maglev_size = 16381,
                                                   std::string node_name = "node-a",
                                                   uint32_t capacity = 1 << 16);
  ~LbFixture();

  // Records the objects and plans/applies/commits every affected Service.
  Status Upsert(const Service& s);
  Status Upsert(const EndpointSlice& s);
  Status RemoveService(const std::string& key);
  Status AddNodeIp(const std::string& ip);
  Status SetSnat(const std::string& v4, const std::string& v6);

  Result<RunResult> RunTc(const std::vector<uint8_t>& in, uint32_t repeat = 1);
  Result<RunResult> RunTcEgress(const std::vector<uint8_t>& in, uint32_t repeat = 1);
  Result<RunResult> RunXdp(const std::vector<uint8_t>& in, uint32_t repeat = 1);

  // The backend core's Maglev table picks for this flow on this frontend.
  Result<Backend> ExpectedBackend(const FrontendKey& fe, const FlowTuple& t);

  ebpf::LoadedLb& lb() { return *lb_; }
  ebpf::EbpfEngine& engine() { return *engine_; }
  Core& core() { return *core_; }
  const std::string& pin_root() const { return root_; }

 private:
  LbFixture() = default;
  Status Sync(const std::vector<std::string>& keys);
  Result<RunResult> Run(int prog_fd, const std::vector<uint8_t>& in, uint32_t repeat);

  std::string root_;
  std::unique_ptr<ebpf::LoadedLb> lb_;
  std::unique_ptr<ebpf::EbpfEngine> engine_;
  std::unique_ptr<Core> core_;
};

}  // namespace skiff::dataplane::testing
