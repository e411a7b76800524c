// Defaulting of pods and pod templates (see defaults.h).
#include <string>

#include "api/defaults.h"
#include "api/defaults_internal.h"
#include "skiff/api/core.pb.h"

namespace skiff::api {
namespace {

constexpr int kDefaultFileMode = 0644;  // 420, as Kubernetes
// Secrets are readable by their owner only unless the manifest says otherwise
// (Kubernetes defaults them to 0644 too; Skiff is stricter by design).
constexpr int kDefaultSecretFileMode = 0400;

// Kubernetes: Always when the image has no tag or the tag "latest" (and no digest),
// IfNotPresent otherwise.
std::string DefaultPullPolicy(const std::string& image) {
  if (image.find('@') != std::string::npos) return "IfNotPresent";
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  bool has_tag = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (!has_tag || image.substr(colon + 1) == "latest") return "Always";
  return "IfNotPresent";
}

void DefaultHTTPGet(HTTPGetAction* get) {
  if (get->path().empty()) get->set_path("/");
  if (get->scheme().empty()) get->set_scheme("HTTP");
}

void DefaultProbe(Probe* p) {
  if (p->timeout_seconds() == 0) p->set_timeout_seconds(1);
  if (p->period_seconds() == 0) p->set_period_seconds(10);
  if (p->success_threshold() == 0) p->set_success_threshold(1);
  if (p->failure_threshold() == 0) p->set_failure_threshold(3);
  if (p->has_http_get()) DefaultHTTPGet(p->mutable_http_get());
}

void DefaultLifecycleHandler(LifecycleHandler* h) {
  if (h->has_http_get()) DefaultHTTPGet(h->mutable_http_get());
}

// Shared by Container and EphemeralContainer (same field names).
template <typename C>
void DefaultContainer(C* c, bool host_network) {
  if (c->image_pull_policy().empty()) c->set_image_pull_policy(DefaultPullPolicy(c->image()));
  if (c->termination_message_path().empty()) {
    c->set_termination_message_path("/dev/termination-log");
  }
  if (c->termination_message_policy().empty()) c->set_termination_message_policy("File");
  for (ContainerPort& p : *c->mutable_ports()) {
    if (p.protocol().empty()) p.set_protocol("TCP");
    if (host_network && p.host_port() == 0) p.set_host_port(p.container_port());
  }
  for (EnvVar& e : *c->mutable_env()) {
    if (e.has_value_from() && e.value_from().has_field_ref() &&
        e.value_from().field_ref().api_version().empty()) {
      e.mutable_value_from()->mutable_field_ref()->set_api_version("v1");
    }
  }
  if (c->has_liveness_probe()) DefaultProbe(c->mutable_liveness_probe());
  if (c->has_readiness_probe()) DefaultProbe(c->mutable_readiness_probe());
  if (c->has_startup_probe()) DefaultProbe(c->mutable_startup_probe());
  if (c->has_lifecycle()) {
    if (c->lifecycle().has_post_start()) {
      DefaultLifecycleHandler(c->mutable_lifecycle()->mutable_post_start());
    }
    if (c->lifecycle().has_pre_stop()) {
      DefaultLifecycleHandler(c->mutable_lifecycle()->mutable_pre_stop());
    }
  }
}

void DefaultDownwardItems(google::protobuf::RepeatedPtrField<DownwardAPIVolumeFile>* items) {
  for (DownwardAPIVolumeFile& f : *items) {
    if (f.has_field_ref() && f.field_ref().api_version().empty()) {
      f.mutable_field_ref()->set_api_version("v1");
    }
  }
}

void DefaultVolume(Volume* v) {
  bool has_source = v->has_host_path() || v->has_empty_dir() || v->has_secret() || v->has_nfs() ||
                    v->has_persistent_volume_claim() || v->has_downward_api() ||
                    v->has_config_map() || v->has_projected() || v->has_csi() ||
                    v->has_ephemeral() || v->has_image();
  if (!has_source) v->mutable_empty_dir();
  if (v->has_secret() && !v->secret().has_default_mode()) {
    v->mutable_secret()->set_default_mode(kDefaultSecretFileMode);
  }
  if (v->has_config_map() && !v->config_map().has_default_mode()) {
    v->mutable_config_map()->set_default_mode(kDefaultFileMode);
  }
  if (v->has_downward_api()) {
    if (!v->downward_api().has_default_mode()) {
      v->mutable_downward_api()->set_default_mode(kDefaultFileMode);
    }
    DefaultDownwardItems(v->mutable_downward_api()->mutable_items());
  }
  if (v->has_projected()) {
    if (!v->projected().has_default_mode()) {
      v->mutable_projected()->set_default_mode(kDefaultFileMode);
    }
    for (VolumeProjection& p : *v->mutable_projected()->mutable_sources()) {
      if (p.has_downward_api()) DefaultDownwardItems(p.mutable_downward_api()->mutable_items());
      if (p.has_service_account_token() && !p.service_account_token().has_expiration_seconds()) {
        p.mutable_service_account_token()->set_expiration_seconds(3600);
      }
    }
  }
  if (v->has_host_path() && !v->host_path().has_type()) v->mutable_host_path()->set_type("");
  if (v->has_ephemeral() && v->ephemeral().has_volume_claim_template()) {
    PersistentVolumeClaimSpec* spec =
        v->mutable_ephemeral()->mutable_volume_claim_template()->mutable_spec();
    if (!spec->has_volume_mode()) spec->set_volume_mode("Filesystem");
  }
}

void RequestsFromLimits(ResourceRequirements* r) {
  for (const auto& [name, limit] : r->limits()) {
    if (!r->requests().contains(name)) (*r->mutable_requests())[name] = limit;
  }
}

}  // namespace

void DefaultPodSpec(PodSpec* spec) {
  if (spec->dns_policy().empty()) spec->set_dns_policy("ClusterFirst");
  if (spec->restart_policy().empty()) spec->set_restart_policy("Always");
  if (!spec->has_termination_grace_period_seconds()) {
    spec->set_termination_grace_period_seconds(30);
  }
  if (spec->scheduler_name().empty()) spec->set_scheduler_name("default-scheduler");
  if (!spec->has_security_context()) spec->mutable_security_context();
  if (!spec->has_enable_service_links()) spec->set_enable_service_links(true);
  // The deprecated serviceAccount mirrors serviceAccountName.
  if (spec->service_account_name().empty() && !spec->service_account().empty()) {
    spec->set_service_account_name(spec->service_account());
  }
  if (!spec->service_account_name().empty()) {
    spec->set_service_account(spec->service_account_name());
  }
  for (Volume& v : *spec->mutable_volumes())
    DefaultVolume(&v);
  for (Container& c : *spec->mutable_init_containers())
    DefaultContainer(&c, spec->host_network());
  for (Container& c : *spec->mutable_containers())
    DefaultContainer(&c, spec->host_network());
  for (EphemeralContainer& c : *spec->mutable_ephemeral_containers()) {
    DefaultContainer(&c, spec->host_network());
  }
}

void DefaultPod(Pod* pod) {
  PodSpec* spec = pod->mutable_spec();
  DefaultPodSpec(spec);
  for (Container& c : *spec->mutable_init_containers()) {
    if (c.has_resources()) RequestsFromLimits(c.mutable_resources());
  }
  for (Container& c : *spec->mutable_containers()) {
    if (c.has_resources()) RequestsFromLimits(c.mutable_resources());
  }
}

}  // namespace skiff::api
