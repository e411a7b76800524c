#include "controlplane/autoscaler/hpa_controller.h"

#include <google/protobuf/util/message_differencer.h>

#include "api/client/typed.h"
#include "common/log.h"
#include "common/metrics.h"
#include "controlplane/autoscaler/scale_target.h"
#include "controlplane/autoscaler/status.h"

namespace skiff::autoscaler {
namespace {

using google::protobuf::util::MessageDifferencer;

metrics::Counter& Reconciles(const std::string& action) {
  return metrics::Registry::Default().GetCounter("skiff_hpa_reconciliations_total",
                                                 "HPA evaluations by the action taken.",
                                                 {{"action", action}});
}

}  // namespace

HorizontalPodAutoscalerController::HorizontalPodAutoscalerController(
    api::ApiClient& client, const metrics::MetricsSource& metrics, HpaControllerOptions options)
    : client_(client),
      metrics_(metrics),
      options_(std::move(options)),
      events_(client, "horizontal-pod-autoscaler") {}

HorizontalPodAutoscalerController::~HorizontalPodAutoscalerController() {
  Stop();
}

void HorizontalPodAutoscalerController::StartInformers() {
  hpas_ = std::make_unique<api::Informer<api::HorizontalPodAutoscaler>>(client_);
  pods_ = std::make_unique<api::Informer<api::Pod>>(client_);
  api::EventHandlers h;
  h.on_add = [this](const api::ObjectPtr& o) { queue_.Add(api::InformerBase::KeyOf(*o)); };
  // Our own status writes come back as updates: only spec changes (a new
  // generation) warrant an evaluation before the next sync.
  h.on_update = [this](const api::ObjectPtr& old_obj, const api::ObjectPtr& new_obj) {
    if (api::GetObjectMeta(*old_obj)->generation() != api::GetObjectMeta(*new_obj)->generation()) {
      queue_.Add(api::InformerBase::KeyOf(*new_obj));
    }
  };
  h.on_delete = [this](const api::ObjectPtr& o) { queue_.Add(api::InformerBase::KeyOf(*o)); };
  hpas_->AddHandlers(std::move(h));
  // Pods first: an HPA evaluated before its pods are cached would see none.
  pods_->Start();
  pods_->WaitForSync(std::chrono::seconds(30));
  hpas_->Start();
}

void HorizontalPodAutoscalerController::StopInformers() {
  if (hpas_) hpas_->Stop();
  if (pods_) pods_->Stop();
}

void HorizontalPodAutoscalerController::ScheduleSync(const std::string& key) {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    auto& next = next_sync_[key];
    if (next > now) return;  // one periodic evaluation is already pending
    next = now + options_.sync_period;
  }
  queue_.AddAfter(key, options_.sync_period);
}

std::vector<std::string> HorizontalPodAutoscalerController::OthersSelecting(const std::string& key,
                                                                            const std::string& ns,
                                                                            const PodList& pods) {
  std::vector<std::string> out;
  std::lock_guard lock(mu_);
  for (const auto& [other, selector] : selectors_) {
    if (other == key || !other.starts_with(ns + "/")) continue;
    if (!hpas_->GetByKey(other)) continue;
    for (const auto& pod : pods) {
      if (selector.Matches(pod->metadata().labels())) {
        out.push_back(other.substr(ns.size() + 1));
        break;
      }
    }
  }
  return out;
}

Status HorizontalPodAutoscalerController::WriteStatus(
    const api::HorizontalPodAutoscaler& hpa, const api::HorizontalPodAutoscalerStatus& status) {
  if (MessageDifferencer::Equals(hpa.status(), status)) return Status::Ok();
  api::HorizontalPodAutoscaler updated = hpa;
  *updated.mutable_status() = status;
  auto r = api::UpdateObject(client_, updated, /*status=*/true);
  if (!r.ok()) {
    return r.status().WithContext("update status of HorizontalPodAutoscaler " +
                                  hpa.metadata().namespace_() + "/" + hpa.metadata().name());
  }
  return Status::Ok();
}

Status HorizontalPodAutoscalerController::Reconcile(const std::string& key) {
  auto hpa = api::Informer<api::HorizontalPodAutoscaler>::As(hpas_->GetByKey(key));
  if (!hpa) {
    std::lock_guard lock(mu_);
    history_.erase(key);
    selectors_.erase(key);
    next_sync_.erase(key);
    return Status::Ok();
  }
  ScheduleSync(key);
  auto log = log::Get("hpa");
  const std::string& ns = hpa->metadata().namespace_();
  auto now = Clock::now();
  api::HorizontalPodAutoscalerStatus status = hpa->status();
  status.set_observed_generation(hpa->metadata().generation());

  auto scale = GetScale(client_, *hpa);
  if (!scale.ok()) {
    const std::string& msg = scale.status().message();
    events_.Record(*hpa, "Warning", "FailedGetScale", msg);
    SetCondition(&status,
                 {"AbleToScale", "False", "FailedGetScale",
                  "the HPA controller was unable to get the target's current scale: " + msg},
                 now);
    Reconciles("none").Inc();
    log->debug("get scale failed hpa={} target={} error={}", key, TargetReference(*hpa), msg);
    return WriteStatus(*hpa, status);
  }

  DecisionInput in;
  in.hpa = hpa.get();
  in.scale = ScaleInfo{scale->spec_replicas, scale->status_replicas, scale->selector,
                       scale->selector_error};
  in.now = now;
  auto selector = api::Selector::Parse(scale->selector);
  if (selector.ok() && scale->selector_error.empty() && !scale->selector.empty()) {
    {
      std::lock_guard lock(mu_);
      selectors_[key] = *selector;
    }
    for (auto& pod : pods_->List(ns)) {
      if (selector->Matches(pod->metadata().labels())) in.pods.push_back(std::move(pod));
    }
    in.pod_metrics = metrics_.ListPodMetrics(ns, *selector);
    in.also_selecting = OthersSelecting(key, ns, in.pods);
  }

  Decision d;
  {
    std::lock_guard lock(mu_);
    d = Decide(in, options_.decision, history_[key]);
  }
  for (const auto& c : d.conditions)
    SetCondition(&status, c, now);
  for (const auto& e : d.events)
    events_.Record(*hpa, e.type, e.reason, e.message);
  auto set_status = [&](int32_t desired) {
    status.set_current_replicas(d.current_replicas);
    status.set_desired_replicas(desired);
    status.clear_current_metrics();
    for (const auto& m : d.metric_statuses)
      *status.add_current_metrics() = m;
  };

  if (d.metrics_failed) {
    set_status(status.desired_replicas());
    Reconciles("none").Inc();
    log->debug("no replica count hpa={} error={}", key, d.error.ToString());
    return WriteStatus(*hpa, status);
  }
  if (d.rescale) {
    Status s = UpdateScale(client_, *scale, d.desired_replicas);
    if (!s.ok()) {
      events_.Record(*hpa, "Warning", "FailedRescale",
                     "New size: " + std::to_string(d.desired_replicas) +
                         "; reason: " + d.rescale_reason + "; error: " + s.message());
      SetCondition(&status,
                   {"AbleToScale", "False", "FailedUpdateScale",
                    "the HPA controller was unable to update the target scale: " + s.message()},
                   now);
      set_status(status.desired_replicas());
      SKIFF_RETURN_IF_ERROR(WriteStatus(*hpa, status));
      // A conflict is retried right away (with back-off) on a fresh read.
      return s.WithContext("failed to rescale " + TargetReference(*hpa));
    }
    SetCondition(&status,
                 {"AbleToScale", "True", "SucceededRescale",
                  "the HPA controller was able to update the target scale to " +
                      std::to_string(d.desired_replicas)},
                 now);
    events_.Record(
        *hpa, "Normal", "SuccessfulRescale",
        "New size: " + std::to_string(d.desired_replicas) + "; reason: " + d.rescale_reason);
    if (hpa->spec().has_behavior()) {
      std::lock_guard lock(mu_);
      history_[key].RecordScale(
          EffectiveBehavior(hpa->spec().behavior(), options_.decision.downscale_stabilization),
          d.current_replicas, d.desired_replicas, now);
    }
    *status.mutable_last_scale_time() = ToTimestamp(now);
    Reconciles(d.desired_replicas > d.current_replicas ? "scale_up" : "scale_down").Inc();
    log->info("rescaled hpa={} target={} from={} to={} reason=\"{}\"", key, TargetReference(*hpa),
              d.current_replicas, d.desired_replicas, d.rescale_reason);
  } else {
    Reconciles("none").Inc();
  }
  set_status(d.desired_replicas);
  return WriteStatus(*hpa, status);
}

}  // namespace skiff::autoscaler
