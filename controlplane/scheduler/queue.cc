#include "controlplane/scheduler/queue.h"

#include <algorithm>
#include <vector>

namespace skiff::scheduler {

SchedulingQueue::Clock::duration SchedulingQueue::BackoffDuration(int attempts) const {
  Clock::duration d = options_.initial_backoff;
  const Clock::duration max = options_.max_backoff;
  for (int i = 1; i < attempts; ++i) {
    if (d > max - d) return max;
    d += d;
  }
  return std::min(d, max);
}

void SchedulingQueue::Remove(const std::string& uid, Entry& e) {
  switch (e.state) {
    case State::kActive:
      active_.erase(e.active_key);
      break;
    case State::kBackoff:
      backoff_.erase(e.backoff_key);
      break;
    case State::kUnschedulable:
      unschedulable_.erase(uid);
      break;
    case State::kGated:
      --gated_;
      break;
    case State::kInFlight:
      --in_flight_;
      break;
  }
}

void SchedulingQueue::ToActive(const std::string& uid, Entry& e, Clock::time_point now) {
  e.state = State::kActive;
  e.timestamp = now;
  e.active_key = {-e.pod->priority(), now, ++seq_};
  active_.emplace(e.active_key, uid);
}

void SchedulingQueue::ToBackoff(const std::string& uid, Entry& e) {
  e.state = State::kBackoff;
  e.backoff_key = {e.backoff_until, ++seq_};
  backoff_.emplace(e.backoff_key, uid);
}

void SchedulingQueue::Requeue(const std::string& uid, Entry& e, Clock::time_point now) {
  if (e.backoff_until > now) {
    ToBackoff(uid, e);
  } else {
    ToActive(uid, e, now);
  }
}

void SchedulingQueue::AddOrUpdate(PodInfoPtr pod, bool changed, Clock::time_point now) {
  const std::string uid = pod->uid();
  const bool gated = !pod->pod->spec().scheduling_gates().empty();
  auto it = pods_.find(uid);
  if (it == pods_.end()) {
    Entry& e = pods_[uid];
    e.pod = std::move(pod);
    if (gated) {
      e.state = State::kGated;
      ++gated_;
    } else {
      ToActive(uid, e, now);
    }
    return;
  }
  Entry& e = it->second;
  const int32_t old_priority = e.pod->priority();
  e.pod = std::move(pod);
  switch (e.state) {
    case State::kInFlight:
      e.updated_in_flight |= changed;
      return;
    case State::kGated:
      if (!gated) {
        --gated_;
        ToActive(uid, e, now);
      }
      return;
    case State::kActive:
      if (e.pod->priority() != old_priority) {
        active_.erase(e.active_key);
        ToActive(uid, e, e.timestamp);
      }
      return;
    case State::kBackoff:
      return;
    case State::kUnschedulable:
      if (changed) {
        Remove(uid, e);
        if (gated) {
          e.state = State::kGated;
          ++gated_;
        } else {
          Requeue(uid, e, now);
        }
      }
      return;
  }
}

void SchedulingQueue::Delete(const std::string& uid) {
  auto it = pods_.find(uid);
  if (it == pods_.end()) return;
  Remove(uid, it->second);
  pods_.erase(it);
}

std::optional<SchedulingQueue::Popped> SchedulingQueue::Pop() {
  if (active_.empty()) return std::nullopt;
  auto first = active_.begin();
  std::string uid = first->second;
  active_.erase(first);
  Entry& e = pods_.at(uid);
  e.state = State::kInFlight;
  e.updated_in_flight = false;
  ++e.attempts;
  ++in_flight_;
  return Popped{e.pod, e.attempts};
}

void SchedulingQueue::Unschedulable(const std::string& uid, PluginMask rejected_by,
                                    Clock::time_point now) {
  auto it = pods_.find(uid);
  if (it == pods_.end() || it->second.state != State::kInFlight) return;
  Entry& e = it->second;
  --in_flight_;
  e.timestamp = now;
  e.backoff_until = now + BackoffDuration(e.attempts);
  e.rejected_by = rejected_by;
  // Errors, and pods that changed while being tried, go back through back-off rather
  // than waiting for an event.
  if (rejected_by == 0 || e.updated_in_flight) {
    ToBackoff(uid, e);
    return;
  }
  e.state = State::kUnschedulable;
  e.unschedulable_since = now;
  unschedulable_.insert(uid);
}

void SchedulingQueue::Backoff(const std::string& uid, Clock::time_point now) {
  auto it = pods_.find(uid);
  if (it == pods_.end() || it->second.state != State::kInFlight) return;
  Entry& e = it->second;
  --in_flight_;
  e.timestamp = now;
  e.backoff_until = now + BackoffDuration(e.attempts);
  ToBackoff(uid, e);
}

void SchedulingQueue::Done(const std::string& uid) {
  auto it = pods_.find(uid);
  if (it == pods_.end() || it->second.state != State::kInFlight) return;
  --in_flight_;
  pods_.erase(it);
}

void SchedulingQueue::MoveOnEvent(PluginMask interested, Clock::time_point now) {
  if (unschedulable_.empty()) return;
  std::vector<std::string> moving;
  for (const std::string& uid : unschedulable_) {
    const Entry& e = pods_.at(uid);
    if (e.rejected_by == 0 || (e.rejected_by & interested) != 0) moving.push_back(uid);
  }
  for (const std::string& uid : moving) {
    Entry& e = pods_.at(uid);
    unschedulable_.erase(uid);
    Requeue(uid, e, now);
  }
}

void SchedulingQueue::Tick(Clock::time_point now) {
  while (!backoff_.empty() && backoff_.begin()->first.first <= now) {
    std::string uid = backoff_.begin()->second;
    backoff_.erase(backoff_.begin());
    ToActive(uid, pods_.at(uid), now);
  }
  if (unschedulable_.empty() || now - last_flush_ < options_.unschedulable_flush_interval) return;
  last_flush_ = now;
  std::vector<std::string> stale;
  for (const std::string& uid : unschedulable_) {
    if (now - pods_.at(uid).unschedulable_since >= options_.max_in_unschedulable) {
      stale.push_back(uid);
    }
  }
  for (const std::string& uid : stale) {
    unschedulable_.erase(uid);
    Requeue(uid, pods_.at(uid), now);
  }
}

SchedulingQueue::Clock::time_point SchedulingQueue::NextWakeup() const {
  Clock::time_point next = Clock::time_point::max();
  if (!backoff_.empty()) next = backoff_.begin()->first.first;
  if (!unschedulable_.empty()) {
    next = std::min(next, last_flush_ + options_.unschedulable_flush_interval);
  }
  return next;
}

}  // namespace skiff::scheduler
