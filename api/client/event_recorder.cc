#include "api/client/event_recorder.h"

#include <google/protobuf/message.h>
#include <google/protobuf/util/time_util.h>

#include <cstdio>

#include "api/client/typed.h"
#include "api/kinds.h"
#include "common/log.h"
#include "common/random.h"
#include "skiff/api/core.pb.h"

namespace skiff::api {
namespace {

constexpr auto kAggregationWindow = std::chrono::minutes(10);
constexpr size_t kMaxRemembered = 4096;

}  // namespace

EventRecorder::EventRecorder(ApiClient& client, std::string component, std::string host)
    : client_(client), component_(std::move(component)), host_(std::move(host)) {}

void EventRecorder::Record(const google::protobuf::Message& object, const std::string& type,
                           const std::string& reason, const std::string& message) {
  const ObjectMeta* meta = GetObjectMeta(object);
  const KindInfo* kind = FindKindOf(object);
  if (!meta || !kind) return;
  std::string ns = meta->namespace_().empty() ? "default" : meta->namespace_();
  std::string key = meta->uid() + "|" + type + "|" + reason + "|" + message;
  auto now = std::chrono::steady_clock::now();
  auto stamp = google::protobuf::util::TimeUtil::GetCurrentTime();

  std::unique_lock lock(mu_);
  auto it = seen_.find(key);
  if (it != seen_.end() && now - it->second.last < kAggregationWindow) {
    Seen seen = it->second;
    it->second.count++;
    it->second.last = now;
    lock.unlock();
    auto existing = GetObject<Event>(client_, seen.namespace_, seen.name);
    if (existing.ok()) {
      existing->set_count(existing->count() + 1);
      *existing->mutable_last_timestamp() = stamp;
      if (UpdateObject(client_, *existing).ok()) return;
    }
    lock.lock();
    seen_.erase(key);  // gone or conflicting: start a new one below
  }
  if (seen_.size() >= kMaxRemembered) seen_.clear();
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(RandomU64()));
  Event ev;
  ev.mutable_metadata()->set_name(meta->name() + "." + suffix);
  ev.mutable_metadata()->set_namespace_(ns);
  auto* ref = ev.mutable_involved_object();
  ref->set_kind(std::string(kind->kind));
  ref->set_api_version(std::string(kind->api_version));
  ref->set_namespace_(meta->namespace_());
  ref->set_name(meta->name());
  ref->set_uid(meta->uid());
  ref->set_resource_version(meta->resource_version());
  ev.set_type(type);
  ev.set_reason(reason);
  ev.set_message(message);
  ev.set_count(1);
  *ev.mutable_first_timestamp() = stamp;
  *ev.mutable_last_timestamp() = stamp;
  ev.mutable_source()->set_component(component_);
  if (!host_.empty()) ev.mutable_source()->set_host(host_);
  ev.set_reporting_component(component_);
  seen_[key] = Seen{ns, ev.metadata().name(), 1, now};
  lock.unlock();
  auto created = CreateObjectRaw(client_, ev);  // the stored copy is not needed
  if (!created.ok()) {
    log::Get("events")->debug("event {} {} for {}: {}", reason, type, meta->name(),
                              created.status().ToString());
  }
}

}  // namespace skiff::api
