// Validation of pods and pod templates: containers, ports, env, resources, probes, volumes,
// scheduling fields.
#include <google/protobuf/map.h>
#include <google/protobuf/struct.pb.h>

#include <map>
#include <set>

#include "api/int_or_string.h"
#include "api/labels.h"
#include "api/names.h"
#include "api/quantity.h"
#include "api/validation.h"
#include "api/validation_internal.h"
#include "skiff/api/core.pb.h"

namespace skiff::api {
namespace {

bool IsStandardResource(std::string_view name) {
  return name == "cpu" || name == "memory" || name == "ephemeral-storage" || name == "storage" ||
         name == "pods" || name.substr(0, 10) == "hugepages-";
}

// ---- ports, env -------------------------------------------------------------------------

template <typename C>
void ValidatePorts(const C& c, std::string_view path, bool host_network, ErrorList* e) {
  std::set<std::string> names;
  for (int i = 0; i < c.ports_size(); ++i) {
    const ContainerPort& p = c.ports(i);
    std::string pp = Index(Child(path, "ports"), i);
    if (!p.name().empty()) {
      e->AddProblems(Child(pp, "name"), p.name(), CheckPortName(p.name()));
      if (!names.insert(p.name()).second) e->Duplicate(Child(pp, "name"), p.name());
    }
    if (p.container_port() == 0) {
      e->Required(Child(pp, "containerPort"));
    } else {
      for (const std::string& m : CheckPortNumber(p.container_port())) {
        e->Invalid(Child(pp, "containerPort"), p.container_port(), m);
      }
    }
    if (p.host_port() != 0) {
      for (const std::string& m : CheckPortNumber(p.host_port())) {
        e->Invalid(Child(pp, "hostPort"), p.host_port(), m);
      }
      if (host_network && p.host_port() != p.container_port()) {
        e->Invalid(Child(pp, "hostPort"), p.host_port(),
                   "must match `containerPort` when `hostNetwork` is true");
      }
    }
    CheckOneOf(e, Child(pp, "protocol"), p.protocol(), {"SCTP", "TCP", "UDP"});
    if (!p.host_ip().empty())
      e->AddProblems(Child(pp, "hostIP"), p.host_ip(), CheckIP(p.host_ip()));
  }
}

bool ValidFieldPath(const std::string& f) {
  static const std::set<std::string> kPaths = {"metadata.name",
                                               "metadata.namespace",
                                               "metadata.uid",
                                               "metadata.labels",
                                               "metadata.annotations",
                                               "spec.nodeName",
                                               "spec.serviceAccountName",
                                               "status.hostIP",
                                               "status.hostIPs",
                                               "status.podIP",
                                               "status.podIPs"};
  if (kPaths.count(f)) return true;
  // metadata.labels['key'] and metadata.annotations['key'].
  for (std::string_view prefix : {"metadata.labels['", "metadata.annotations['"}) {
    if (f.size() > prefix.size() + 2 && f.compare(0, prefix.size(), prefix) == 0 &&
        f.compare(f.size() - 2, 2, "']") == 0) {
      std::string key = f.substr(prefix.size(), f.size() - prefix.size() - 2);
      return CheckQualifiedName(key).empty();
    }
  }
  return false;
}

void ValidateFieldRef(const ObjectFieldSelector& f, std::string_view path, bool for_env,
                      ErrorList* e) {
  if (!f.api_version().empty() && f.api_version() != "v1") {
    e->NotSupported(Child(path, "apiVersion"), f.api_version(), {"v1"});
  }
  if (f.field_path().empty()) {
    e->Required(Child(path, "fieldPath"));
  } else if (!ValidFieldPath(f.field_path()) ||
             (!for_env &&
              (f.field_path() == "spec.nodeName" || f.field_path() == "spec.serviceAccountName" ||
               f.field_path().rfind("status.", 0) == 0))) {
    e->NotSupported(Child(path, "fieldPath"), f.field_path(),
                    {"metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels",
                     "metadata.annotations", "spec.nodeName", "spec.serviceAccountName",
                     "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"});
  }
}

void ValidateResourceFieldRef(const ResourceFieldSelector& r, std::string_view path,
                              const std::set<std::string>& containers, bool container_required,
                              ErrorList* e) {
  if (r.container_name().empty()) {
    if (container_required) e->Required(Child(path, "containerName"));
  } else if (!containers.count(r.container_name())) {
    e->NotFound(Child(path, "containerName"), r.container_name());
  }
  const std::string& res = r.resource();
  bool cpu = res == "limits.cpu" || res == "requests.cpu";
  bool memory = res == "limits.memory" || res == "requests.memory" ||
                res == "limits.ephemeral-storage" || res == "requests.ephemeral-storage" ||
                res.rfind("limits.hugepages-", 0) == 0 || res.rfind("requests.hugepages-", 0) == 0;
  if (res.empty()) {
    e->Required(Child(path, "resource"));
  } else if (!cpu && !memory) {
    e->NotSupported(Child(path, "resource"), res,
                    {"limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu",
                     "requests.ephemeral-storage", "requests.memory"});
  }
  if (r.divisor().empty()) return;
  std::string dp = Child(path, "divisor");
  if (!CheckQuantity(e, dp, r.divisor())) return;
  Quantity d = *Quantity::Parse(r.divisor());
  if (cpu) {
    if (d != Quantity::FromUnits(1) && d != Quantity::FromMilli(1)) {
      e->NotSupported(dp, r.divisor(), {"1m", "1"});
    }
  } else if (memory) {
    static const char* const kDivisors[] = {"1",   "1k",  "1M",  "1G",  "1T",  "1P", "1E",
                                            "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"};
    bool ok = false;
    for (const char* s : kDivisors)
      ok |= d == *Quantity::Parse(s);
    if (!ok) {
      e->NotSupported(
          dp, r.divisor(),
          {"1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"});
    }
  }
}

template <typename Ref>
void ValidateKeyRef(const Ref& ref, std::string_view path, ErrorList* e) {
  if (ref.name().empty()) e->Required(Child(path, "name"));
  if (ref.key().empty()) {
    e->Required(Child(path, "key"));
  } else {
    e->AddProblems(Child(path, "key"), ref.key(), CheckConfigMapKey(ref.key()));
  }
}

template <typename C>
void ValidateEnv(const C& c, std::string_view path, const std::set<std::string>& containers,
                 ErrorList* e) {
  for (int i = 0; i < c.env_size(); ++i) {
    const EnvVar& v = c.env(i);
    std::string p = Index(Child(path, "env"), i);
    if (v.name().empty()) {
      e->Required(Child(p, "name"));
    } else {
      e->AddProblems(Child(p, "name"), v.name(), CheckEnvVarName(v.name()));
    }
    if (!v.has_value_from()) continue;
    std::string vp = Child(p, "valueFrom");
    if (!v.value().empty()) {
      e->InvalidRaw(vp, "\"\"", "may not be specified when `value` is not empty");
    }
    const EnvVarSource& src = v.value_from();
    int n = src.has_field_ref() + src.has_resource_field_ref() + src.has_config_map_key_ref() +
            src.has_secret_key_ref() + src.has_file_key_ref();
    if (n == 0) {
      e->InvalidRaw(vp, "\"\"",
                    "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
                    "`secretKeyRef`");
    } else if (n > 1) {
      e->InvalidRaw(vp, "\"\"", "may not have more than one field specified at a time");
    }
    if (src.has_field_ref()) ValidateFieldRef(src.field_ref(), Child(vp, "fieldRef"), true, e);
    if (src.has_resource_field_ref()) {
      ValidateResourceFieldRef(src.resource_field_ref(), Child(vp, "resourceFieldRef"), containers,
                               false, e);
    }
    if (src.has_config_map_key_ref()) {
      ValidateKeyRef(src.config_map_key_ref(), Child(vp, "configMapKeyRef"), e);
    }
    if (src.has_secret_key_ref()) {
      ValidateKeyRef(src.secret_key_ref(), Child(vp, "secretKeyRef"), e);
    }
    if (src.has_file_key_ref()) {
      const FileKeySelector& f = src.file_key_ref();
      std::string fp = Child(vp, "fileKeyRef");
      if (f.volume_name().empty()) e->Required(Child(fp, "volumeName"));
      if (f.path().empty()) e->Required(Child(fp, "path"));
      if (f.key().empty()) e->Required(Child(fp, "key"));
    }
  }
  for (int i = 0; i < c.env_from_size(); ++i) {
    const EnvFromSource& f = c.env_from(i);
    std::string p = Index(Child(path, "envFrom"), i);
    if (!f.prefix().empty())
      e->AddProblems(Child(p, "prefix"), f.prefix(), CheckEnvVarName(f.prefix()));
    int n = f.has_config_map_ref() + f.has_secret_ref();
    if (n == 0) {
      e->InvalidRaw(p, "\"\"", "must specify one of: `configMapRef` or `secretRef`");
    } else if (n > 1) {
      e->InvalidRaw(p, "\"\"", "may not have more than one field specified at a time");
    }
    if (f.has_config_map_ref() && f.config_map_ref().name().empty()) {
      e->Required(Child(Child(p, "configMapRef"), "name"));
    }
    if (f.has_secret_ref() && f.secret_ref().name().empty()) {
      e->Required(Child(Child(p, "secretRef"), "name"));
    }
  }
}

// ---- resources ---------------------------------------------------------------------------

void ValidateResources(const ResourceRequirements& r, std::string_view path, ErrorList* e) {
  std::string limits_path = Child(path, "limits");
  std::string requests_path = Child(path, "requests");
  ValidateResourceList(r.limits(), limits_path, e);
  ValidateResourceList(r.requests(), requests_path, e);
  std::map<std::string, std::string> requests(r.requests().begin(), r.requests().end());
  for (const auto& [name, request] : requests) {
    Result<Quantity> rq = Quantity::Parse(request);
    auto it = r.limits().find(name);
    bool standard = IsStandardResource(name);
    if (it == r.limits().end()) {
      if (!standard && name.find("/") != std::string::npos && !name.starts_with("kubernetes.io/")) {
        e->Forbidden(Key(requests_path, name), "extended resources must have a limit");
      }
      continue;
    }
    Result<Quantity> lq = Quantity::Parse(it->second);
    if (!rq.ok() || !lq.ok()) continue;  // already reported
    if (standard && *rq > *lq) {
      e->Invalid(Key(requests_path, name), request,
                 "must be less than or equal to " + name + " limit of " + it->second);
    } else if (!standard && *rq != *lq) {
      e->Invalid(Key(requests_path, name), request,
                 "must be equal to " + name + " limit of " + it->second);
    }
  }
}

// ---- probes and handlers -----------------------------------------------------------------

void ValidateHTTPGet(const HTTPGetAction& h, std::string_view path, ErrorList* e) {
  CheckPortNumOrName(e, Child(path, "port"), h.port());
  CheckOneOf(e, Child(path, "scheme"), h.scheme(), {"HTTP", "HTTPS"});
  for (int i = 0; i < h.http_headers_size(); ++i) {
    const std::string& n = h.http_headers(i).name();
    e->AddProblems(Child(Index(Child(path, "httpHeaders"), i), "name"), n, CheckHTTPHeaderName(n));
  }
}

void ValidateExec(const ExecAction& x, std::string_view path, ErrorList* e) {
  if (x.command_size() == 0) e->Required(Child(path, "command"));
}

void ValidateTCP(const TCPSocketAction& t, std::string_view path, ErrorList* e) {
  CheckPortNumOrName(e, Child(path, "port"), t.port());
}

void HandlerCount(int n, std::string_view path, ErrorList* e) {
  if (n == 0) {
    e->Required(path, "must specify a handler type");
  } else if (n > 1) {
    e->Forbidden(path, "may not specify more than 1 handler type");
  }
}

void ValidateProbe(const Probe& p, std::string_view path, bool liveness_or_startup, ErrorList* e) {
  int n = p.has_exec() + p.has_http_get() + p.has_tcp_socket() + p.has_grpc();
  HandlerCount(n, path, e);
  if (p.has_exec()) ValidateExec(p.exec(), Child(path, "exec"), e);
  if (p.has_http_get()) ValidateHTTPGet(p.http_get(), Child(path, "httpGet"), e);
  if (p.has_tcp_socket()) ValidateTCP(p.tcp_socket(), Child(path, "tcpSocket"), e);
  if (p.has_grpc()) {
    for (const std::string& m : CheckPortNumber(p.grpc().port())) {
      e->Invalid(Child(Child(path, "grpc"), "port"), p.grpc().port(), m);
    }
  }
  CheckNonNegative(e, Child(path, "initialDelaySeconds"), p.initial_delay_seconds());
  CheckNonNegative(e, Child(path, "timeoutSeconds"), p.timeout_seconds());
  CheckNonNegative(e, Child(path, "periodSeconds"), p.period_seconds());
  CheckNonNegative(e, Child(path, "successThreshold"), p.success_threshold());
  CheckNonNegative(e, Child(path, "failureThreshold"), p.failure_threshold());
  if (liveness_or_startup && p.success_threshold() > 1) {
    e->Invalid(Child(path, "successThreshold"), p.success_threshold(), "must be 1");
  }
  if (p.has_termination_grace_period_seconds()) {
    std::string tp = Child(path, "terminationGracePeriodSeconds");
    if (!liveness_or_startup) {
      e->Invalid(tp, p.termination_grace_period_seconds(), "must not be set for readinessProbes");
    } else {
      CheckPositive(e, tp, p.termination_grace_period_seconds());
    }
  }
}

void ValidateLifecycleHandler(const LifecycleHandler& h, std::string_view path, ErrorList* e) {
  int n = h.has_exec() + h.has_http_get() + h.has_tcp_socket() + h.has_sleep();
  HandlerCount(n, path, e);
  if (h.has_exec()) ValidateExec(h.exec(), Child(path, "exec"), e);
  if (h.has_http_get()) ValidateHTTPGet(h.http_get(), Child(path, "httpGet"), e);
  if (h.has_tcp_socket()) ValidateTCP(h.tcp_socket(), Child(path, "tcpSocket"), e);
  if (h.has_sleep()) CheckPositive(e, Child(Child(path, "sleep"), "seconds"), h.sleep().seconds());
}

// ---- containers --------------------------------------------------------------------------

void ValidateSecurityContext(const SecurityContext& s, std::string_view path, ErrorList* e) {
  if (s.has_run_as_user()) CheckNonNegative(e, Child(path, "runAsUser"), s.run_as_user());
  if (s.has_run_as_group()) CheckNonNegative(e, Child(path, "runAsGroup"), s.run_as_group());
  if (s.has_privileged() && s.privileged() && s.has_allow_privilege_escalation() &&
      !s.allow_privilege_escalation()) {
    e->InvalidRaw(path, "\"\"",
                  "cannot set `allowPrivilegeEscalation` to false and `privileged` to true");
  }
  if (s.has_proc_mount()) {
    CheckOneOf(e, Child(path, "procMount"), s.proc_mount(), {"Default", "Unmasked"});
  }
  if (s.has_seccomp_profile()) {
    std::string sp = Child(path, "seccompProfile");
    CheckOneOf(e, Child(sp, "type"), s.seccomp_profile().type(),
               {"Localhost", "RuntimeDefault", "Unconfined"}, false);
    if (s.seccomp_profile().type() == "Localhost" &&
        s.seccomp_profile().localhost_profile().empty()) {
      e->Required(Child(sp, "localhostProfile"), "must be set when seccomp type is Localhost");
    }
  }
}

template <typename C>
void ValidateContainerCommon(const C& c, std::string_view path,
                             const std::set<std::string>& volumes,
                             const std::set<std::string>& containers, const PodSpecOptions& options,
                             bool host_network, ErrorList* e) {
  std::string name_path = Child(path, "name");
  if (c.name().empty()) {
    e->Required(name_path);
  } else {
    e->AddProblems(name_path, c.name(), CheckDNS1123Label(c.name()));
  }
  if (c.image().empty() && options.require_image) e->Required(Child(path, "image"));
  CheckOneOf(e, Child(path, "imagePullPolicy"), c.image_pull_policy(),
             {"Always", "IfNotPresent", "Never"});
  CheckOneOf(e, Child(path, "terminationMessagePolicy"), c.termination_message_policy(),
             {"FallbackToLogsOnError", "File"});
  ValidatePorts(c, path, host_network, e);
  ValidateEnv(c, path, containers, e);
  if (c.has_resources()) ValidateResources(c.resources(), Child(path, "resources"), e);

  std::set<std::string> mount_paths;
  for (int i = 0; i < c.volume_mounts_size(); ++i) {
    const VolumeMount& m = c.volume_mounts(i);
    std::string mp = Index(Child(path, "volumeMounts"), i);
    if (m.name().empty()) {
      e->Required(Child(mp, "name"));
    } else if (!volumes.count(m.name())) {
      e->NotFound(Child(mp, "name"), m.name());
    }
    if (m.mount_path().empty()) {
      e->Required(Child(mp, "mountPath"));
    } else if (!mount_paths.insert(m.mount_path()).second) {
      e->Invalid(Child(mp, "mountPath"), m.mount_path(), "must be unique");
    }
    const std::string& sub = m.sub_path();
    if (!sub.empty()) {
      if (sub[0] == '/') e->Invalid(Child(mp, "subPath"), sub, "must be a relative path");
      std::string padded = "/" + sub + "/";
      if (padded.find("/../") != std::string::npos) {
        e->Invalid(Child(mp, "subPath"), sub, "must not contain '..'");
      }
      if (!m.sub_path_expr().empty()) {
        e->Invalid(Child(mp, "subPathExpr"), m.sub_path_expr(),
                   "subPathExpr and subPath are mutually exclusive");
      }
    }
    if (m.has_mount_propagation()) {
      CheckOneOf(e, Child(mp, "mountPropagation"), m.mount_propagation(),
                 {"Bidirectional", "HostToContainer", "None"});
    }
  }
  for (int i = 0; i < c.volume_devices_size(); ++i) {
    const VolumeDevice& d = c.volume_devices(i);
    std::string dp = Index(Child(path, "volumeDevices"), i);
    if (d.name().empty()) {
      e->Required(Child(dp, "name"));
    } else if (!volumes.count(d.name())) {
      e->NotFound(Child(dp, "name"), d.name());
    }
    if (d.device_path().empty()) e->Required(Child(dp, "devicePath"));
  }
  if (c.has_lifecycle()) {
    std::string lp = Child(path, "lifecycle");
    if (c.lifecycle().has_post_start()) {
      ValidateLifecycleHandler(c.lifecycle().post_start(), Child(lp, "postStart"), e);
    }
    if (c.lifecycle().has_pre_stop()) {
      ValidateLifecycleHandler(c.lifecycle().pre_stop(), Child(lp, "preStop"), e);
    }
  }
  if (c.has_security_context()) {
    ValidateSecurityContext(c.security_context(), Child(path, "securityContext"), e);
  }
}

void ValidateProbes(const Container& c, std::string_view path, ErrorList* e) {
  if (c.has_liveness_probe())
    ValidateProbe(c.liveness_probe(), Child(path, "livenessProbe"), true, e);
  if (c.has_readiness_probe()) {
    ValidateProbe(c.readiness_probe(), Child(path, "readinessProbe"), false, e);
  }
  if (c.has_startup_probe()) ValidateProbe(c.startup_probe(), Child(path, "startupProbe"), true, e);
}

// ---- volumes -----------------------------------------------------------------------------

void ValidateMode(const google::protobuf::int32 mode, std::string_view path, ErrorList* e) {
  if (mode < 0 || mode > 0777) {
    e->Invalid(path, mode, "must be a number between 0 and 0777 (octal), both inclusive");
  }
}

void ValidateKeyToPaths(const google::protobuf::RepeatedPtrField<KeyToPath>& items,
                        std::string_view path, ErrorList* e) {
  for (int i = 0; i < items.size(); ++i) {
    const KeyToPath& k = items[i];
    std::string p = Index(path, i);
    if (k.key().empty()) e->Required(Child(p, "key"));
    if (k.path().empty()) {
      e->Required(Child(p, "path"));
    } else {
      if (k.path()[0] == '/') e->Invalid(Child(p, "path"), k.path(), "must be a relative path");
      if (("/" + k.path() + "/").find("/../") != std::string::npos) {
        e->Invalid(Child(p, "path"), k.path(), "must not contain '..'");
      }
    }
    if (k.has_mode()) ValidateMode(k.mode(), Child(p, "mode"), e);
  }
}

void ValidateVolume(const Volume& v, std::string_view path, const std::set<std::string>& containers,
                    ErrorList* e) {
  int n = v.has_host_path() + v.has_empty_dir() + v.has_secret() + v.has_nfs() +
          v.has_persistent_volume_claim() + v.has_downward_api() + v.has_config_map() +
          v.has_projected() + v.has_csi() + v.has_ephemeral() + v.has_image();
  if (n > 1) e->Forbidden(path, "may not specify more than 1 volume type");
  if (v.has_host_path()) {
    std::string p = Child(path, "hostPath");
    if (v.host_path().path().empty()) e->Required(Child(p, "path"));
    if (v.host_path().has_type()) {
      CheckOneOf(e, Child(p, "type"), v.host_path().type(),
                 {"BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File",
                  "FileOrCreate", "Socket"});
    }
  }
  if (v.has_empty_dir()) {
    const EmptyDirVolumeSource& ed = v.empty_dir();
    std::string p = Child(path, "emptyDir");
    CheckOneOf(e, Child(p, "medium"), ed.medium(), {"HugePages", "Memory"});
    if (ed.has_size_limit()) CheckQuantity(e, Child(p, "sizeLimit"), ed.size_limit());
  }
  if (v.has_secret()) {
    std::string p = Child(path, "secret");
    if (v.secret().secret_name().empty()) e->Required(Child(p, "secretName"));
    if (v.secret().has_default_mode())
      ValidateMode(v.secret().default_mode(), Child(p, "defaultMode"), e);
    ValidateKeyToPaths(v.secret().items(), Child(p, "items"), e);
  }
  if (v.has_config_map()) {
    std::string p = Child(path, "configMap");
    if (v.config_map().name().empty()) e->Required(Child(p, "name"));
    if (v.config_map().has_default_mode()) {
      ValidateMode(v.config_map().default_mode(), Child(p, "defaultMode"), e);
    }
    ValidateKeyToPaths(v.config_map().items(), Child(p, "items"), e);
  }
  if (v.has_persistent_volume_claim() && v.persistent_volume_claim().claim_name().empty()) {
    e->Required(Child(Child(path, "persistentVolumeClaim"), "claimName"));
  }
  if (v.has_nfs()) {
    std::string p = Child(path, "nfs");
    if (v.nfs().server().empty()) e->Required(Child(p, "server"));
    if (v.nfs().path().empty()) {
      e->Required(Child(p, "path"));
    } else if (v.nfs().path()[0] != '/') {
      e->Invalid(Child(p, "path"), v.nfs().path(), "must be an absolute path");
    }
  }
  if (v.has_csi() && v.csi().driver().empty()) e->Required(Child(Child(path, "csi"), "driver"));
  auto downward_items = [&](const google::protobuf::RepeatedPtrField<DownwardAPIVolumeFile>& items,
                            std::string_view p) {
    for (int i = 0; i < items.size(); ++i) {
      const DownwardAPIVolumeFile& f = items[i];
      std::string ip = Index(p, i);
      if (f.path().empty()) e->Required(Child(ip, "path"));
      int refs = f.has_field_ref() + f.has_resource_field_ref();
      if (refs != 1) {
        e->InvalidRaw(ip, "\"\"", "fieldRef and resourceFieldRef: exactly one must be specified");
      }
      if (f.has_field_ref()) ValidateFieldRef(f.field_ref(), Child(ip, "fieldRef"), false, e);
      if (f.has_resource_field_ref()) {
        ValidateResourceFieldRef(f.resource_field_ref(), Child(ip, "resourceFieldRef"), containers,
                                 true, e);
      }
      if (f.has_mode()) ValidateMode(f.mode(), Child(ip, "mode"), e);
    }
  };
  if (v.has_downward_api()) {
    std::string p = Child(path, "downwardAPI");
    downward_items(v.downward_api().items(), Child(p, "items"));
    if (v.downward_api().has_default_mode()) {
      ValidateMode(v.downward_api().default_mode(), Child(p, "defaultMode"), e);
    }
  }
  if (v.has_projected()) {
    std::string p = Child(path, "projected");
    if (v.projected().has_default_mode()) {
      ValidateMode(v.projected().default_mode(), Child(p, "defaultMode"), e);
    }
    for (int i = 0; i < v.projected().sources_size(); ++i) {
      const VolumeProjection& s = v.projected().sources(i);
      std::string sp = Index(Child(p, "sources"), i);
      int kinds = s.has_secret() + s.has_config_map() + s.has_downward_api() +
                  s.has_service_account_token() + s.has_cluster_trust_bundle();
      if (kinds == 0) e->Required(sp, "must specify exactly 1 source type");
      if (kinds > 1) e->Forbidden(sp, "may not specify more than 1 source type");
      if (s.has_secret())
        ValidateKeyToPaths(s.secret().items(), Child(Child(sp, "secret"), "items"), e);
      if (s.has_config_map()) {
        ValidateKeyToPaths(s.config_map().items(), Child(Child(sp, "configMap"), "items"), e);
      }
      if (s.has_downward_api()) {
        downward_items(s.downward_api().items(), Child(Child(sp, "downwardAPI"), "items"));
      }
      if (s.has_service_account_token()) {
        const ServiceAccountTokenProjection& t = s.service_account_token();
        std::string tp = Child(sp, "serviceAccountToken");
        if (t.path().empty()) e->Required(Child(tp, "path"));
        if (t.has_expiration_seconds() && t.expiration_seconds() < 600) {
          e->Invalid(Child(tp, "expirationSeconds"), t.expiration_seconds(),
                     "may not specify a duration less than 10 minutes");
        }
      }
    }
  }
}

// ---- scheduling --------------------------------------------------------------------------

void ValidateNodeSelectorRequirement(const NodeSelectorRequirement& r, std::string_view path,
                                     bool is_field, ErrorList* e) {
  const std::string& op = r.operator_();
  std::string vp = Child(path, "values");
  if (op == "In" || op == "NotIn") {
    if (r.values_size() == 0) {
      e->Required(vp, "must be specified when `operator` is 'In' or 'NotIn'");
    }
  } else if (op == "Exists" || op == "DoesNotExist") {
    if (r.values_size() > 0) {
      e->Forbidden(vp, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    }
  } else if (op == "Gt" || op == "Lt") {
    if (r.values_size() != 1) {
      e->Required(vp, "must be specified single value when `operator` is 'Lt' or 'Gt'");
    }
  } else {
    e->NotSupported(Child(path, "operator"), op,
                    {"DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"});
  }
  if (is_field) {
    if (r.key() != "metadata.name") {
      e->NotSupported(Child(path, "key"), r.key(), {"metadata.name"});
    }
  } else if (r.key().empty()) {
    e->Required(Child(path, "key"));
  } else {
    e->AddProblems(Child(path, "key"), r.key(), CheckQualifiedName(r.key()));
  }
}

void ValidateNodeSelectorTerm(const NodeSelectorTerm& t, std::string_view path, ErrorList* e) {
  for (int i = 0; i < t.match_expressions_size(); ++i) {
    ValidateNodeSelectorRequirement(t.match_expressions(i),
                                    Index(Child(path, "matchExpressions"), i), false, e);
  }
  for (int i = 0; i < t.match_fields_size(); ++i) {
    ValidateNodeSelectorRequirement(t.match_fields(i), Index(Child(path, "matchFields"), i), true,
                                    e);
  }
}

void ValidatePodAffinityTerm(const PodAffinityTerm& t, std::string_view path, ErrorList* e) {
  if (t.has_label_selector())
    ValidateLabelSelector(t.label_selector(), Child(path, "labelSelector"), e);
  if (t.has_namespace_selector()) {
    ValidateLabelSelector(t.namespace_selector(), Child(path, "namespaceSelector"), e);
  }
  for (int i = 0; i < t.namespaces_size(); ++i) {
    e->AddProblems(Index(Child(path, "namespaces"), i), t.namespaces(i),
                   CheckDNS1123Label(t.namespaces(i)));
  }
  if (t.topology_key().empty()) {
    e->Required(Child(path, "topologyKey"), "can not be empty");
  } else {
    e->AddProblems(Child(path, "topologyKey"), t.topology_key(),
                   CheckQualifiedName(t.topology_key()));
  }
}

void CheckWeight(ErrorList* e, std::string_view path, int32_t w) {
  if (w < 1 || w > 100) e->Invalid(path, w, "must be in the range 1-100");
}

template <typename A>
void ValidatePodAffinityKind(const A& a, std::string_view path, ErrorList* e) {
  for (int i = 0; i < a.required_during_scheduling_ignored_during_execution_size(); ++i) {
    ValidatePodAffinityTerm(a.required_during_scheduling_ignored_during_execution(i),
                            Index(Child(path, "requiredDuringSchedulingIgnoredDuringExecution"), i),
                            e);
  }
  for (int i = 0; i < a.preferred_during_scheduling_ignored_during_execution_size(); ++i) {
    const WeightedPodAffinityTerm& w = a.preferred_during_scheduling_ignored_during_execution(i);
    std::string p = Index(Child(path, "preferredDuringSchedulingIgnoredDuringExecution"), i);
    CheckWeight(e, Child(p, "weight"), w.weight());
    ValidatePodAffinityTerm(w.pod_affinity_term(), Child(p, "podAffinityTerm"), e);
  }
}

void ValidateAffinity(const Affinity& a, std::string_view path, ErrorList* e) {
  if (a.has_node_affinity()) {
    const NodeAffinity& na = a.node_affinity();
    std::string np = Child(path, "nodeAffinity");
    if (na.has_required_during_scheduling_ignored_during_execution()) {
      const NodeSelector& ns = na.required_during_scheduling_ignored_during_execution();
      std::string rp = Child(np, "requiredDuringSchedulingIgnoredDuringExecution");
      if (ns.node_selector_terms_size() == 0) {
        e->Required(Child(rp, "nodeSelectorTerms"), "must have at least one node selector term");
      }
      for (int i = 0; i < ns.node_selector_terms_size(); ++i) {
        ValidateNodeSelectorTerm(ns.node_selector_terms(i),
                                 Index(Child(rp, "nodeSelectorTerms"), i), e);
      }
    }
    for (int i = 0; i < na.preferred_during_scheduling_ignored_during_execution_size(); ++i) {
      const PreferredSchedulingTerm& t = na.preferred_during_scheduling_ignored_during_execution(i);
      std::string p = Index(Child(np, "preferredDuringSchedulingIgnoredDuringExecution"), i);
      CheckWeight(e, Child(p, "weight"), t.weight());
      ValidateNodeSelectorTerm(t.preference(), Child(p, "preference"), e);
    }
  }
  if (a.has_pod_affinity())
    ValidatePodAffinityKind(a.pod_affinity(), Child(path, "podAffinity"), e);
  if (a.has_pod_anti_affinity()) {
    ValidatePodAffinityKind(a.pod_anti_affinity(), Child(path, "podAntiAffinity"), e);
  }
}

void ValidateTolerations(const PodSpec& s, std::string_view path, ErrorList* e) {
  for (int i = 0; i < s.tolerations_size(); ++i) {
    const Toleration& t = s.tolerations(i);
    std::string p = Index(Child(path, "tolerations"), i);
    if (!t.key().empty()) e->AddProblems(Child(p, "key"), t.key(), CheckQualifiedName(t.key()));
    if (t.key().empty() && t.operator_() != "Exists") {
      e->Invalid(Child(p, "operator"), t.operator_(),
                 "operator must be Exists when `key` is empty, which means \"match all values "
                 "and all keys\"");
    }
    if (t.operator_() == "Exists" && !t.value().empty()) {
      e->Invalid(Child(p, "operator"), t.value(),
                 "value must be empty when `operator` is 'Exists'");
    } else if (t.operator_() != "Exists") {
      CheckOneOf(e, Child(p, "operator"), t.operator_(), {"Equal", "Exists"});
      e->AddProblems(Child(p, "value"), t.value(), CheckLabelValue(t.value()));
    }
    CheckOneOf(e, Child(p, "effect"), t.effect(), {"NoExecute", "NoSchedule", "PreferNoSchedule"});
    if (t.has_toleration_seconds() && t.effect() != "NoExecute") {
      e->Invalid(Child(p, "effect"), t.effect(),
                 "effect must be 'NoExecute' when `tolerationSeconds` is set");
    }
  }
}

void ValidateTopologySpread(const PodSpec& s, std::string_view path, ErrorList* e) {
  std::set<std::pair<std::string, std::string>> seen;
  for (int i = 0; i < s.topology_spread_constraints_size(); ++i) {
    const TopologySpreadConstraint& c = s.topology_spread_constraints(i);
    std::string p = Index(Child(path, "topologySpreadConstraints"), i);
    CheckPositive(e, Child(p, "maxSkew"), c.max_skew());
    if (c.topology_key().empty()) {
      e->Required(Child(p, "topologyKey"), "can not be empty");
    } else {
      e->AddProblems(Child(p, "topologyKey"), c.topology_key(),
                     CheckQualifiedName(c.topology_key()));
    }
    CheckOneOf(e, Child(p, "whenUnsatisfiable"), c.when_unsatisfiable(),
               {"DoNotSchedule", "ScheduleAnyway"}, false);
    if (c.has_min_domains()) {
      CheckPositive(e, Child(p, "minDomains"), c.min_domains());
      if (c.when_unsatisfiable() != "DoNotSchedule") {
        e->Invalid(Child(p, "minDomains"), c.min_domains(),
                   "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not " +
                       c.when_unsatisfiable());
      }
    }
    if (c.has_node_affinity_policy()) {
      CheckOneOf(e, Child(p, "nodeAffinityPolicy"), c.node_affinity_policy(), {"Honor", "Ignore"});
    }
    if (c.has_node_taints_policy()) {
      CheckOneOf(e, Child(p, "nodeTaintsPolicy"), c.node_taints_policy(), {"Honor", "Ignore"});
    }
    if (c.has_label_selector())
      ValidateLabelSelector(c.label_selector(), Child(p, "labelSelector"), e);
    for (int j = 0; j < c.match_label_keys_size(); ++j) {
      e->AddProblems(Index(Child(p, "matchLabelKeys"), j), c.match_label_keys(j),
                     CheckQualifiedName(c.match_label_keys(j)));
    }
    if (!seen.insert({c.topology_key(), c.when_unsatisfiable()}).second) {
      e->Duplicate(p, "{" + c.topology_key() + ", " + c.when_unsatisfiable() + "}");
    }
  }
}

void ValidateDNS(const PodSpec& s, std::string_view path, ErrorList* e) {
  CheckOneOf(e, Child(path, "dnsPolicy"), s.dns_policy(),
             {"ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"});
  std::string cp = Child(path, "dnsConfig");
  if (s.dns_policy() == "None" && !s.has_dns_config()) {
    e->Required(cp, "must provide `dnsConfig` when `dnsPolicy` is None");
  }
  if (!s.has_dns_config()) return;
  const PodDNSConfig& c = s.dns_config();
  if (s.dns_policy() == "None" && c.nameservers_size() == 0) {
    e->Required(Child(cp, "nameservers"),
                "must provide at least one DNS nameserver when "
                "`dnsPolicy` is None");
  }
  if (c.nameservers_size() > 3) {
    e->InvalidRaw(Child(cp, "nameservers"), std::to_string(c.nameservers_size()),
                  "must not have more than 3 nameservers");
  }
  for (int i = 0; i < c.nameservers_size(); ++i) {
    e->AddProblems(Index(Child(cp, "nameservers"), i), c.nameservers(i), CheckIP(c.nameservers(i)));
  }
  if (c.searches_size() > 32) {
    e->InvalidRaw(Child(cp, "searches"), std::to_string(c.searches_size()),
                  "must not have more than 32 search paths");
  }
  for (int i = 0; i < c.searches_size(); ++i) {
    CheckDNSName(e, Index(Child(cp, "searches"), i), c.searches(i));
  }
  for (int i = 0; i < c.options_size(); ++i) {
    if (c.options(i).name().empty()) e->Required(Child(Index(Child(cp, "options"), i), "name"));
  }
}

void ValidatePodSecurityContext(const PodSpec& s, std::string_view path, ErrorList* e) {
  if (s.host_pid() && s.share_process_namespace()) {
    e->InvalidRaw(Child(path, "shareProcessNamespace"), "true",
                  "ShareProcessNamespace and HostPID cannot both be enabled");
  }
  if (!s.has_security_context()) return;
  const PodSecurityContext& c = s.security_context();
  std::string p = Child(path, "securityContext");
  if (c.has_run_as_user()) CheckNonNegative(e, Child(p, "runAsUser"), c.run_as_user());
  if (c.has_run_as_group()) CheckNonNegative(e, Child(p, "runAsGroup"), c.run_as_group());
  if (c.has_fs_group()) CheckNonNegative(e, Child(p, "fsGroup"), c.fs_group());
  for (int i = 0; i < c.supplemental_groups_size(); ++i) {
    CheckNonNegative(e, Index(Child(p, "supplementalGroups"), i), c.supplemental_groups(i));
  }
  if (c.has_fs_group_change_policy()) {
    CheckOneOf(e, Child(p, "fsGroupChangePolicy"), c.fs_group_change_policy(),
               {"Always", "OnRootMismatch"});
  }
  for (int i = 0; i < c.sysctls_size(); ++i) {
    const std::string& n = c.sysctls(i).name();
    std::string sp = Child(Index(Child(p, "sysctls"), i), "name");
    bool ok = !n.empty() && n.size() <= 253 && std::all_of(n.begin(), n.end(), [](char ch) {
      return std::islower(static_cast<unsigned char>(ch)) ||
             std::isdigit(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-' ||
             ch == '/';
    });
    if (!ok) {
      e->Invalid(sp, n,
                 "must have at most 253 characters and match regex "
                 "^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$");
    }
  }
}

}  // namespace

void ValidateResourceList(const StringMap& resources, std::string_view path, ErrorList* e) {
  std::map<std::string, std::string> sorted(resources.begin(), resources.end());
  for (const auto& [name, value] : sorted) {
    std::string p = Key(path, name);
    if (!IsStandardResource(name)) {
      Problems problems = CheckQualifiedName(name);
      if (!problems.empty()) {
        e->AddProblems(p, name, problems);
        continue;
      }
      if (name.find('/') == std::string::npos) {
        e->Invalid(p, name, "must be a standard resource type or fully qualified");
        continue;
      }
    }
    CheckQuantity(e, p, value);
  }
}

void ValidatePodSpec(const PodSpec& spec, std::string_view path, const PodSpecOptions& options,
                     ErrorList* e) {
  std::set<std::string> volumes = options.extra_volumes;
  std::set<std::string> container_names;
  for (const Container& c : spec.containers())
    container_names.insert(c.name());
  for (const Container& c : spec.init_containers())
    container_names.insert(c.name());

  std::set<std::string> seen_volumes;
  for (int i = 0; i < spec.volumes_size(); ++i) {
    const Volume& v = spec.volumes(i);
    std::string vp = Index(Child(path, "volumes"), i);
    if (v.name().empty()) {
      e->Required(Child(vp, "name"));
    } else {
      e->AddProblems(Child(vp, "name"), v.name(), CheckDNS1123Label(v.name()));
      if (!seen_volumes.insert(v.name()).second) e->Duplicate(Child(vp, "name"), v.name());
    }
    volumes.insert(v.name());
    ValidateVolume(v, vp, container_names, e);
  }

  std::set<std::string> names;
  auto check_unique = [&](const std::string& name, const std::string& p) {
    if (!name.empty() && !names.insert(name).second) e->Duplicate(Child(p, "name"), name);
  };
  if (spec.containers_size() == 0) e->Required(Child(path, "containers"));
  for (int i = 0; i < spec.init_containers_size(); ++i) {
    const Container& c = spec.init_containers(i);
    std::string p = Index(Child(path, "initContainers"), i);
    check_unique(c.name(), p);
    ValidateContainerCommon(c, p, volumes, container_names, options, spec.host_network(), e);
    bool sidecar = c.has_restart_policy() && c.restart_policy() == "Always";
    if (c.has_restart_policy())
      CheckOneOf(e, Child(p, "restartPolicy"), c.restart_policy(), {"Always"});
    if (sidecar) {
      ValidateProbes(c, p, e);
    } else {
      for (auto [has, name] : {std::pair{c.has_liveness_probe(), "livenessProbe"},
                               std::pair{c.has_readiness_probe(), "readinessProbe"},
                               std::pair{c.has_startup_probe(), "startupProbe"}}) {
        if (has) {
          e->Forbidden(Child(p, name),
                       "may not be set for init containers without restartPolicy=Always");
        }
      }
    }
  }
  for (int i = 0; i < spec.containers_size(); ++i) {
    const Container& c = spec.containers(i);
    std::string p = Index(Child(path, "containers"), i);
    check_unique(c.name(), p);
    ValidateContainerCommon(c, p, volumes, container_names, options, spec.host_network(), e);
    ValidateProbes(c, p, e);
    if (c.has_restart_policy()) {
      e->Forbidden(Child(p, "restartPolicy"), "may not be set for non-init containers");
    }
  }
  for (int i = 0; i < spec.ephemeral_containers_size(); ++i) {
    const EphemeralContainer& c = spec.ephemeral_containers(i);
    std::string p = Index(Child(path, "ephemeralContainers"), i);
    check_unique(c.name(), p);
    ValidateContainerCommon(c, p, volumes, container_names, options, spec.host_network(), e);
    if (c.ports_size() > 0)
      e->Forbidden(Child(p, "ports"), "cannot be set for an Ephemeral Container");
  }

  CheckOneOf(e, Child(path, "restartPolicy"), spec.restart_policy(),
             {"Always", "Never", "OnFailure"});
  ValidateDNS(spec, path, e);
  if (spec.has_termination_grace_period_seconds()) {
    CheckNonNegative(e, Child(path, "terminationGracePeriodSeconds"),
                     spec.termination_grace_period_seconds());
  }
  if (spec.has_active_deadline_seconds() && spec.active_deadline_seconds() < 1) {
    e->Invalid(Child(path, "activeDeadlineSeconds"), spec.active_deadline_seconds(),
               "must be between 1 and 2147483647, inclusive");
  }
  ValidateLabels(spec.node_selector(), Child(path, "nodeSelector"), e);
  if (!spec.node_name().empty()) {
    e->AddProblems(Child(path, "nodeName"), spec.node_name(),
                   CheckDNS1123Subdomain(spec.node_name()));
  }
  if (!spec.service_account_name().empty()) {
    e->AddProblems(Child(path, "serviceAccountName"), spec.service_account_name(),
                   CheckDNS1123Subdomain(spec.service_account_name()));
  }
  if (!spec.hostname().empty()) {
    e->AddProblems(Child(path, "hostname"), spec.hostname(), CheckDNS1123Label(spec.hostname()));
  }
  if (!spec.subdomain().empty()) {
    e->AddProblems(Child(path, "subdomain"), spec.subdomain(), CheckDNS1123Label(spec.subdomain()));
  }
  if (!spec.scheduler_name().empty()) {
    e->AddProblems(Child(path, "schedulerName"), spec.scheduler_name(),
                   CheckDNS1123Subdomain(spec.scheduler_name()));
  }
  if (!spec.priority_class_name().empty()) {
    e->AddProblems(Child(path, "priorityClassName"), spec.priority_class_name(),
                   CheckDNS1123Subdomain(spec.priority_class_name()));
  }
  if (spec.has_preemption_policy()) {
    CheckOneOf(e, Child(path, "preemptionPolicy"), spec.preemption_policy(),
               {"Never", "PreemptLowerPriority"});
  }
  for (int i = 0; i < spec.image_pull_secrets_size(); ++i) {
    if (spec.image_pull_secrets(i).name().empty()) {
      e->Required(Child(Index(Child(path, "imagePullSecrets"), i), "name"));
    }
  }
  for (int i = 0; i < spec.host_aliases_size(); ++i) {
    const HostAlias& h = spec.host_aliases(i);
    std::string p = Index(Child(path, "hostAliases"), i);
    e->AddProblems(Child(p, "ip"), h.ip(), CheckIP(h.ip()));
    for (int j = 0; j < h.hostnames_size(); ++j) {
      CheckDNSName(e, Index(Child(p, "hostnames"), j), h.hostnames(j));
    }
  }
  for (int i = 0; i < spec.readiness_gates_size(); ++i) {
    const std::string& t = spec.readiness_gates(i).condition_type();
    e->AddProblems(Child(Index(Child(path, "readinessGates"), i), "conditionType"), t,
                   CheckQualifiedName(t));
  }
  ValidateResourceList(spec.overhead(), Child(path, "overhead"), e);
  if (spec.has_os())
    CheckOneOf(e, Child(Child(path, "os"), "name"), spec.os().name(), {"linux", "windows"}, false);
  ValidateTolerations(spec, path, e);
  if (spec.has_affinity()) ValidateAffinity(spec.affinity(), Child(path, "affinity"), e);
  ValidateTopologySpread(spec, path, e);
  ValidatePodSecurityContext(spec, path, e);
  if (spec.has_resources()) ValidateResources(spec.resources(), Child(path, "resources"), e);
}

void ValidatePod(const Pod& pod, ErrorList* e) {
  if (!pod.has_spec()) {
    e->Required("spec");
    return;
  }
  ValidatePodSpec(pod.spec(), "spec", PodSpecOptions{}, e);
}

void ValidateSelectedTemplate(const LabelSelector* selector, const PodTemplateSpec* tmpl,
                              std::string_view spec_path, const PodSpecOptions& options,
                              ErrorList* e) {
  std::string sel_path = Child(spec_path, "selector");
  std::string tmpl_path = Child(spec_path, "template");
  Result<Selector> parsed = Selector::Nothing();
  if (selector == nullptr) {
    e->Required(sel_path);
  } else {
    size_t before = e->size();
    ValidateLabelSelector(*selector, sel_path, e);
    if (selector->match_labels().empty() && selector->match_expressions().empty()) {
      e->InvalidRaw(sel_path, "{}", "empty selector is invalid for this workload");
    } else if (e->size() == before) {
      parsed = Selector::FromLabelSelector(*selector);
    }
  }
  if (tmpl == nullptr) {
    e->Required(tmpl_path);
    return;
  }
  std::string meta_path = Child(tmpl_path, "metadata");
  ValidateTemplateMeta(tmpl->metadata(), meta_path, e);
  if (parsed.ok() && !parsed->matches_nothing() && !parsed->Matches(tmpl->metadata().labels())) {
    e->InvalidRaw(Child(meta_path, "labels"), RenderLabels(tmpl->metadata().labels()),
                  "`selector` does not match template `labels`");
  }
  ValidatePodSpec(tmpl->spec(), Child(tmpl_path, "spec"), options, e);
}

void ValidateWorkloadTemplate(const LabelSelector* selector, const PodTemplateSpec* tmpl,
                              std::string_view spec_path, const PodSpecOptions& options,
                              ErrorList* e) {
  ValidateSelectedTemplate(selector, tmpl, spec_path, options, e);
  if (tmpl == nullptr) return;
  std::string pod_path = Child(Child(spec_path, "template"), "spec");
  if (!tmpl->spec().restart_policy().empty() && tmpl->spec().restart_policy() != "Always") {
    e->NotSupported(Child(pod_path, "restartPolicy"), tmpl->spec().restart_policy(), {"Always"});
  }
  if (tmpl->spec().has_active_deadline_seconds()) {
    e->Forbidden(Child(pod_path, "activeDeadlineSeconds"),
                 "activeDeadlineSeconds in ReplicaSet is not Supported");
  }
}

}  // namespace skiff::api
