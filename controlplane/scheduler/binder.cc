#include "controlplane/scheduler/binder.h"

#include <pthread.h>

#include "api/client/typed.h"

namespace skiff::scheduler {
namespace {

constexpr int kMaxBindAttempts = 5;

// pods/binding: the pod's identity with its uid and resourceVersion as preconditions, and
// the node. The server sets spec.nodeName and PodScheduled=True without a full update; its
// answer (the bound pod) is not parsed: the informer's watch brings it to the cache.
Status WriteBinding(api::ApiClient& client, const api::Pod& pod, const std::string& node) {
  api::Pod binding;
  api::ObjectMeta* meta = binding.mutable_metadata();
  meta->set_name(pod.metadata().name());
  meta->set_namespace_(pod.metadata().namespace_());
  meta->set_uid(pod.metadata().uid());
  meta->set_resource_version(pod.metadata().resource_version());
  binding.mutable_spec()->set_node_name(node);
  api::UpdateRequest req;
  req.set_kind("Pod");
  req.set_subresource("binding");
  req.set_object(binding.SerializeAsString());
  auto r = client.Update(req);
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace

BindResult BindPod(api::ApiClient& client, std::shared_ptr<const api::Pod> pod,
                   const std::string& node) {
  BindResult out;
  out.pod = std::move(pod);
  const std::string uid = out.pod->metadata().uid();
  const std::string ns = out.pod->metadata().namespace_(), name = out.pod->metadata().name();
  for (int attempt = 0; attempt < kMaxBindAttempts; ++attempt) {
    Status r = WriteBinding(client, *out.pod, node);
    if (r.ok()) {
      out.kind = BindResult::Kind::kBound;
      return out;
    }
    if (r.code() == StatusCode::kNotFound) {
      out.kind = BindResult::Kind::kGone;
      return out;
    }
    if (r.code() != StatusCode::kAborted) {
      out.error = r;
      return out;
    }
    ++out.conflicts;
    auto fresh = api::GetObject<api::Pod>(client, ns, name);
    if (!fresh.ok()) {
      if (fresh.status().code() == StatusCode::kNotFound) {
        out.kind = BindResult::Kind::kGone;
      } else {
        out.error = fresh.status();
      }
      return out;
    }
    const std::string tried_version = out.pod->metadata().resource_version();
    out.pod = std::make_shared<const api::Pod>(std::move(*fresh));
    const api::Pod& now = *out.pod;
    if (now.metadata().uid() != uid) {
      out.kind = BindResult::Kind::kGone;
      return out;
    }
    if (!now.spec().node_name().empty()) {
      out.kind = now.spec().node_name() == node ? BindResult::Kind::kBound
                                                : BindResult::Kind::kBoundElsewhere;
      return out;
    }
    if (now.metadata().has_deletion_timestamp()) {
      out.kind = BindResult::Kind::kGone;
      return out;
    }
    if (now.metadata().resource_version() == tried_version) {
      out.error = r;  // refused for what the pod is (gated), not for a change
      return out;
    }
  }
  out.error = Aborted("pod " + ns + "/" + name + " kept changing while being bound (" +
                      std::to_string(kMaxBindAttempts) + " conflicts)");
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
    BindResult result = BindPod(client_, job.pod, job.node);
    done_(job.pod->metadata().uid(), job.node, std::move(result));
    lock.lock();
  }
}

}  // namespace skiff::scheduler
