// SnapshotCell<T>: one writer publishes immutable snapshots; many readers
// use the current one without taking a lock (epoch-based reclamation).
//
// Readers: each thread registers once (NewReader) and brackets every use
// with Enter()/Exit(); the pointer from Enter() stays valid until Exit().
// Enter/Exit are two atomic stores and two loads: no lock, no allocation,
// no reference-count traffic. Sections must be short (one batch of queries)
// and must not nest.
// Writer: Publish() swaps the pointer and frees every retired snapshot that
// no reader can still see; Reclaim() retries that later. Publish, Reclaim and
// NewReader serialize on an internal mutex that readers never touch.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace skiff::dns {

template <typename T>
class SnapshotCell {
  struct alignas(64) Slot {
    std::atomic<uint64_t> epoch{0};  // 0: outside any read section
    std::atomic<bool> in_use{true};
  };

 public:
  class Reader {
   public:
    ~Reader() {
      slot_->epoch.store(0, std::memory_order_release);
      slot_->in_use.store(false, std::memory_order_release);
    }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    const T* Enter() {
      slot_->epoch.store(cell_->epoch_.load(std::memory_order_seq_cst), std::memory_order_seq_cst);
      return cell_->current_.load(std::memory_order_seq_cst);
    }
    void Exit() { slot_->epoch.store(0, std::memory_order_release); }

   private:
    friend class SnapshotCell;
    Reader(SnapshotCell* cell, Slot* slot) : cell_(cell), slot_(slot) {}
    SnapshotCell* cell_;
    Slot* slot_;
  };

  explicit SnapshotCell(std::shared_ptr<const T> initial) : owner_(std::move(initial)) {
    current_.store(owner_.get());
  }
  SnapshotCell(const SnapshotCell&) = delete;
  SnapshotCell& operator=(const SnapshotCell&) = delete;

  // The returned reader must be destroyed before the cell.
  std::unique_ptr<Reader> NewReader() {
    std::lock_guard lock(mu_);
    for (auto& s : slots_) {
      bool expected = false;
      if (s->in_use.compare_exchange_strong(expected, true))
        return std::unique_ptr<Reader>(new Reader(this, s.get()));
    }
    slots_.push_back(std::make_unique<Slot>());
    return std::unique_ptr<Reader>(new Reader(this, slots_.back().get()));
  }

  // The cell keeps `next` alive while it is current or may still be read;
  // the caller may keep its own reference (e.g. as the base of later ones).
  void Publish(std::shared_ptr<const T> next) {
    std::lock_guard lock(mu_);
    std::shared_ptr<const T> old = std::move(owner_);
    owner_ = std::move(next);
    current_.store(owner_.get(), std::memory_order_seq_cst);
    uint64_t retire_epoch = epoch_.fetch_add(1, std::memory_order_seq_cst) + 1;
    retired_.emplace_back(retire_epoch, std::move(old));
    ReclaimLocked();
  }

  void Reclaim() {
    std::lock_guard lock(mu_);
    ReclaimLocked();
  }

  // Snapshots published but not yet freed (for tests and metrics).
  size_t retired_count() {
    std::lock_guard lock(mu_);
    return retired_.size();
  }

 private:
  void ReclaimLocked() {
    uint64_t min_active = std::numeric_limits<uint64_t>::max();
    for (auto& s : slots_) {
      uint64_t e = s->epoch.load(std::memory_order_seq_cst);
      if (e != 0 && e < min_active) min_active = e;
    }
    // A snapshot retired at epoch R may be held only by readers that entered
    // before R.
    std::erase_if(retired_, [&](const auto& r) { return r.first <= min_active; });
  }

  std::atomic<const T*> current_{nullptr};
  std::atomic<uint64_t> epoch_{1};
  std::mutex mu_;
  std::shared_ptr<const T> owner_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::pair<uint64_t, std::shared_ptr<const T>>> retired_;
};

}  // namespace skiff::dns
