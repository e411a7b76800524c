#include "dataplane/dpdk/publisher.h"

#include <rte_rcu_qsbr.h>

#include <chrono>
#include <thread>

namespace skiff::dataplane::dpdk {

Publisher::Publisher(rte_rcu_qsbr* qs) : qs_(qs) {
  owned_ = std::make_unique<Snapshot>();
  owned_->services = ServiceTables::Build(State{}, {}).value();
  owned_->net = std::make_shared<NetTables>(std::vector<PortInfo>{}, std::map<NeighborKey, Mac>{});
  current_.store(owned_.get(), std::memory_order_release);
}

Publisher::~Publisher() = default;

uint64_t Publisher::Publish(std::shared_ptr<const ServiceTables> services,
                            std::shared_ptr<const NetTables> net) {
  std::lock_guard<std::mutex> l(mu_);
  auto next = std::make_unique<Snapshot>();
  next->generation = ++generation_;
  next->services = services ? std::move(services) : owned_->services;
  next->net = net ? std::move(net) : owned_->net;
  current_.store(next.get(), std::memory_order_release);
  // Readers that loaded the old pointer may still use it until their next
  // quiescent report: retire it with the token of this moment.
  uint64_t token = qs_ ? rte_rcu_qsbr_start(qs_) : 0;
  retired_.emplace_back(token, std::move(owned_));
  owned_ = std::move(next);
  while (!retired_.empty() && (!qs_ || rte_rcu_qsbr_check(qs_, retired_.front().first, false)))
    retired_.pop_front();
  return generation_;
}

Snapshot Publisher::Latest() {
  std::lock_guard<std::mutex> l(mu_);
  return *owned_;
}

size_t Publisher::Reclaim() {
  std::lock_guard<std::mutex> l(mu_);
  while (!retired_.empty() && (!qs_ || rte_rcu_qsbr_check(qs_, retired_.front().first, false)))
    retired_.pop_front();
  return retired_.size();
}

bool Publisher::Synchronize(uint32_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Reclaim() != 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

}  // namespace skiff::dataplane::dpdk
