#include "controlplane/scheduler/binder.h"

#include <pthread.h>

#include "api/client/typed.h"

namespace skiff::scheduler {
namespace {

constexpr int kMaxBindAttempts = 5;

}  // namespace

BindResult BindPod(api::ApiClient& client, const api::Pod& pod, const std::string& node) {
  BindResult out;
  api::Pod current = pod;
  const std::string uid = pod.metadata().uid();
  for (int attempt = 0; attempt < kMaxBindAttempts; ++attempt) {
    current.mutable_spec()->set_node_name(node);
    auto r = api::UpdateObject(client, current);
    if (r.ok()) {
      out.kind = BindResult::Kind::kBound;
      out.pod = std::make_shared<api::Pod>(std::move(*r));
      return out;
    }
    if (r.status().code() == StatusCode::kNotFound) {
      out.kind = BindResult::Kind::kGone;
      return out;
    }
    if (r.status().code() != StatusCode::kAborted) {
      out.error = r.status();
      return out;
    }
    ++out.conflicts;
    auto fresh =
        api::GetObject<api::Pod>(client, pod.metadata().namespace_(), pod.metadata().name());
    if (!fresh.ok()) {
      if (fresh.status().code() == StatusCode::kNotFound) {
        out.kind = BindResult::Kind::kGone;
      } else {
        out.error = fresh.status();
      }
      return out;
    }
    out.pod = std::make_shared<api::Pod>(*fresh);
    if (fresh->metadata().uid() != uid) {
      out.kind = BindResult::Kind::kGone;
      return out;
    }
    if (!fresh->spec().node_name().empty()) {
      out.kind = fresh->spec().node_name() == node ? BindResult::Kind::kBound
                                                   : BindResult::Kind::kBoundElsewhere;
      return out;
    }
    current = std::move(*fresh);
  }
  out.error = Aborted("pod " + pod.metadata().namespace_() + "/" + pod.metadata().name() +
                      " kept changing while being bound (" + std::to_string(kMaxBindAttempts) +
                      " conflicts)");
  return out;
}

Binder::Binder(api::ApiClient& client, int threads, Callback done)
    : client_(client), threads_(std::max(1, threads)), done_(std::move(done)) {}

Binder::~Binder() {
  Stop();
}

void Binder::Start() {
  std::lock_guard lock(mu_);
  if (!workers_.empty()) return;
  stopping_ = false;
  for (int i = 0; i < threads_; ++i)
    workers_.emplace_back([this] { Run(); });
}

void Binder::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    jobs_.clear();
  }
  cv_.notify_all();
  for (auto& t : workers_)
    t.join();
  workers_.clear();
}

void Binder::Bind(std::shared_ptr<const api::Pod> pod, std::string node) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back({std::move(pod), std::move(node)});
  }
  cv_.notify_one();
}

size_t Binder::pending() const {
  std::lock_guard lock(mu_);
  return jobs_.size();
}

void Binder::Run() {
  pthread_setname_np(pthread_self(), "sched-bind");
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (stopping_) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    BindResult result = BindPod(client_, *job.pod, job.node);
    done_(job.pod->metadata().uid(), job.node, std::move(result));
    lock.lock();
  }
}

}  // namespace skiff::scheduler
