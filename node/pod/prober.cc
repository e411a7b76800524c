#include "node/pod/prober.h"

#include <algorithm>

namespace skiff::node {

Prober::Prober(int threads) {
  timer_ = std::thread([this] { TimerLoop(); });
  for (int i = 0; i < std::max(1, threads); ++i)
    workers_.emplace_back([this] { WorkerLoop(); });
}

Prober::~Prober() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  timer_cv_.notify_all();
  work_cv_.notify_all();
  timer_.join();
  for (auto& w : workers_)
    w.join();
}

uint64_t Prober::Schedule(std::chrono::milliseconds initial_delay, std::chrono::milliseconds period,
                          std::function<void()> task) {
  std::lock_guard lock(mu_);
  uint64_t id = next_++;
  entries_[id] = Entry{std::max(period, std::chrono::milliseconds(1)), std::move(task)};
  due_.insert({Clock::now() + initial_delay, id});
  timer_cv_.notify_all();
  return id;
}

void Prober::Cancel(uint64_t id) {
  std::lock_guard lock(mu_);
  entries_.erase(id);
  for (auto it = due_.begin(); it != due_.end();) {
    it = it->second == id ? due_.erase(it) : std::next(it);
  }
}

void Prober::TimerLoop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (due_.empty()) {
      timer_cv_.wait(lock);
      continue;
    }
    auto first = *due_.begin();
    if (first.first > Clock::now()) {
      timer_cv_.wait_until(lock, first.first);
      continue;
    }
    due_.erase(due_.begin());
    auto it = entries_.find(first.second);
    if (it == entries_.end() || it->second.running) continue;
    it->second.running = true;
    ready_.push_back(first.second);
    work_cv_.notify_one();
  }
}

void Prober::WorkerLoop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (ready_.empty()) {
      work_cv_.wait(lock);
      continue;
    }
    uint64_t id = ready_.front();
    ready_.pop_front();
    auto it = entries_.find(id);
    if (it == entries_.end()) continue;
    std::function<void()> task = it->second.task;
    lock.unlock();
    task();
    lock.lock();
    it = entries_.find(id);
    if (it == entries_.end()) continue;  // cancelled while running
    it->second.running = false;
    due_.insert({Clock::now() + it->second.period, id});
    timer_cv_.notify_all();
  }
}

ProbeTracker::ProbeTracker(Kind kind, int success_threshold, int failure_threshold)
    : kind_(kind),
      success_threshold_(std::max(1, success_threshold)),
      failure_threshold_(std::max(1, failure_threshold)) {
  if (kind == Kind::kLiveness) reported_ = true;
  if (kind == Kind::kReadiness) reported_ = false;
}

bool ProbeTracker::Observe(bool success) {
  if (last_ == success) {
    ++run_;
  } else {
    run_ = 1;
    last_ = success;
  }
  if ((success && run_ < success_threshold_) || (!success && run_ < failure_threshold_)) {
    return false;
  }
  bool changed = reported_ != success;
  reported_ = success;
  return changed;
}

}  // namespace skiff::node
