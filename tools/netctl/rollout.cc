// netctl scale and netctl rollout (status | history | undo | restart | pause |
// resume), as kubectl does them: client-side reads and updates of the
// workload objects; the controllers do the rest.
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "api/client/typed.h"
#include "api/manifest.h"
#include "skiff/api/apps.pb.h"
#include "tools/netctl/commands.h"
#include "tools/netctl/printers.h"

namespace skiff::netctl {
namespace {

constexpr const char* kRevision = "deployment.kubernetes.io/revision";
constexpr const char* kChangeCause = "kubernetes.io/change-cause";

// "deploy/web", "deployment web" or "web" with a default kind.
Result<std::pair<const api::KindInfo*, std::string>> Target(const Args& rest) {
  if (rest.empty()) return InvalidArgument("missing KIND/NAME, e.g. deployment/web");
  std::string kind_name = rest[0], name;
  if (auto slash = kind_name.find('/'); slash != std::string::npos) {
    name = kind_name.substr(slash + 1);
    kind_name = kind_name.substr(0, slash);
  } else if (rest.size() > 1) {
    name = rest[1];
  }
  auto kind = ResolveKind(kind_name);
  if (!kind.ok()) return kind.status();
  if (name.empty())
    return InvalidArgument("missing the name of the " + std::string((*kind)->singular));
  return std::make_pair(*kind, name);
}

// Applies `mutate` to a fresh copy of the object and updates it, retrying
// on conflicts.
template <typename T, typename F>
Result<T> Modify(api::ApiClient& client, const std::string& ns, const std::string& name, F mutate) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    auto obj = api::GetObject<T>(client, ns, name);
    if (!obj.ok()) return obj.status();
    Status s = mutate(*obj);
    if (!s.ok()) return s;
    auto r = api::UpdateObject(client, *obj);
    if (r.ok() || r.status().code() != StatusCode::kAborted) return r;
  }
  return Aborted("the object kept changing; try again");
}

std::vector<api::ReplicaSet> RevisionsOf(api::ApiClient& client, const api::Deployment& d) {
  std::vector<api::ReplicaSet> out;
  auto all = api::ListObjects<api::ReplicaSet>(client, d.metadata().namespace_());
  if (!all.ok()) return out;
  for (auto& rs : *all) {
    for (const auto& ref : rs.metadata().owner_references()) {
      if (ref.uid() == d.metadata().uid() && ref.controller()) out.push_back(rs);
    }
  }
  auto rev = [](const api::ReplicaSet& rs) {
    auto it = rs.metadata().annotations().find(kRevision);
    return it == rs.metadata().annotations().end() ? 0LL : std::atoll(it->second.c_str());
  };
  std::sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return rev(a) < rev(b); });
  return out;
}

std::string RevisionText(const api::ReplicaSet& rs) {
  auto it = rs.metadata().annotations().find(kRevision);
  return it == rs.metadata().annotations().end() ? "0" : it->second;
}

// One status line, and whether the rollout is complete.
std::pair<std::string, bool> DeploymentProgress(const api::Deployment& d) {
  const auto& st = d.status();
  int want = d.spec().has_replicas() ? d.spec().replicas() : 1;
  std::string name = "\"" + d.metadata().name() + "\"";
  for (const auto& c : st.conditions()) {
    if (c.type() == "Progressing" && c.reason() == "ProgressDeadlineExceeded") {
      return {"error: deployment " + name + " exceeded its progress deadline", true};
    }
  }
  if (st.observed_generation() < d.metadata().generation()) {
    return {"Waiting for deployment spec update to be observed...", false};
  }
  if (st.updated_replicas() < want) {
    return {"Waiting for deployment " + name +
                " rollout to finish: " + std::to_string(st.updated_replicas()) + " out of " +
                std::to_string(want) + " new replicas have been updated...",
            false};
  }
  if (st.replicas() > st.updated_replicas()) {
    return {"Waiting for deployment " + name +
                " rollout to finish: " + std::to_string(st.replicas() - st.updated_replicas()) +
                " old replicas are pending termination...",
            false};
  }
  if (st.available_replicas() < st.updated_replicas()) {
    return {"Waiting for deployment " + name +
                " rollout to finish: " + std::to_string(st.available_replicas()) + " of " +
                std::to_string(st.updated_replicas()) + " updated replicas are available...",
            false};
  }
  return {"deployment " + name + " successfully rolled out", true};
}

std::pair<std::string, bool> StatefulSetProgress(const api::StatefulSet& s) {
  int want = s.spec().has_replicas() ? s.spec().replicas() : 1;
  const auto& st = s.status();
  if (st.observed_generation() < s.metadata().generation()) {
    return {"Waiting for statefulset spec update to be observed...", false};
  }
  if (st.ready_replicas() < want) {
    return {"Waiting for " + std::to_string(want - st.ready_replicas()) + " pods to be ready...",
            false};
  }
  if (st.update_revision() != st.current_revision()) {
    return {"waiting for statefulset rolling update to complete " +
                std::to_string(st.updated_replicas()) + " pods at revision " +
                st.update_revision() + "...",
            false};
  }
  return {
      "partitioned roll out complete: " + std::to_string(want) + " new pods have been updated...",
      true};
}

std::pair<std::string, bool> DaemonSetProgress(const api::DaemonSet& d) {
  const auto& st = d.status();
  if (st.observed_generation() < d.metadata().generation()) {
    return {"Waiting for daemon set spec update to be observed...", false};
  }
  if (st.updated_number_scheduled() < st.desired_number_scheduled()) {
    return {"Waiting for daemon set \"" + d.metadata().name() + "\" rollout to finish: " +
                std::to_string(st.updated_number_scheduled()) + " out of " +
                std::to_string(st.desired_number_scheduled()) + " new pods have been updated...",
            false};
  }
  if (st.number_available() < st.desired_number_scheduled()) {
    return {"Waiting for daemon set \"" + d.metadata().name() +
                "\" rollout to finish: " + std::to_string(st.number_available()) + " of " +
                std::to_string(st.desired_number_scheduled()) + " updated pods are available...",
            false};
  }
  return {"daemon set \"" + d.metadata().name() + "\" successfully rolled out", true};
}

int RolloutStatus(Context& ctx, api::ApiClient& client, const api::KindInfo& kind,
                  const std::string& ns, const std::string& name,
                  std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  for (;;) {
    std::pair<std::string, bool> progress;
    if (kind.kind == "Deployment") {
      auto d = api::GetObject<api::Deployment>(client, ns, name);
      if (!d.ok()) return Fail(ctx, d.status());
      progress = DeploymentProgress(*d);
    } else if (kind.kind == "StatefulSet") {
      auto s = api::GetObject<api::StatefulSet>(client, ns, name);
      if (!s.ok()) return Fail(ctx, s.status());
      progress = StatefulSetProgress(*s);
    } else if (kind.kind == "DaemonSet") {
      auto d = api::GetObject<api::DaemonSet>(client, ns, name);
      if (!d.ok()) return Fail(ctx, d.status());
      progress = DaemonSetProgress(*d);
    } else {
      return Fail(ctx, "rollout status: no status for kind " + std::string(kind.kind));
    }
    if (progress.first != last) {
      std::fprintf(ctx.out, "%s\n", progress.first.c_str());
      std::fflush(ctx.out);
      last = progress.first;
    }
    if (progress.second) return progress.first.rfind("error:", 0) == 0 ? 1 : 0;
    if (timeout.count() > 0 && std::chrono::steady_clock::now() > deadline) {
      return Fail(ctx, "timed out waiting for the condition");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace

int RunScale(Context& ctx, const Args& args) {
  int64_t replicas = -1, current = -1;
  FlagSet flags("netctl scale (deployment|replicaset|statefulset)/NAME --replicas=N [flags]",
                "Sets the number of replicas.");
  ctx.AddGlobalFlags(flags);
  flags.Int("replicas", &replicas, "The new number of replicas (required).");
  flags.Int("current-replicas", &current, "Only scale if the current replicas equal this.");
  auto rest = flags.Parse(args);
  if (!rest.ok()) return Fail(ctx, rest.status().message());
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), ctx.out);
    return 0;
  }
  if (replicas < 0) return Fail(ctx, "scale: --replicas=COUNT is required and must be >= 0");
  auto target = Target(*rest);
  if (!target.ok()) return Fail(ctx, "scale: " + target.status().message());
  auto [kind, name] = *target;
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());
  std::string ns = ctx.Namespace();
  auto set = [&](auto& obj) -> Status {
    int now = obj.spec().has_replicas() ? obj.spec().replicas() : 1;
    if (current >= 0 && now != current) {
      return FailedPrecondition("expected " + std::to_string(current) + " replicas, found " +
                                std::to_string(now));
    }
    obj.mutable_spec()->set_replicas(static_cast<int32_t>(replicas));
    return Status::Ok();
  };
  Status s;
  if (kind->kind == "Deployment") {
    s = Modify<api::Deployment>(**client, ns, name, set).status();
  } else if (kind->kind == "ReplicaSet") {
    s = Modify<api::ReplicaSet>(**client, ns, name, set).status();
  } else if (kind->kind == "StatefulSet") {
    s = Modify<api::StatefulSet>(**client, ns, name, set).status();
  } else {
    return Fail(ctx, "scale: " + std::string(kind->kind) + " cannot be scaled");
  }
  if (!s.ok()) return Fail(ctx, s);
  std::fprintf(ctx.out, "%s scaled\n", ObjectRef(*kind, name).c_str());
  return 0;
}

int RunRollout(Context& ctx, const Args& args) {
  std::chrono::milliseconds timeout{0};
  int64_t revision = 0;
  FlagSet flags("netctl rollout (status|history|undo|restart|pause|resume) KIND/NAME [flags]",
                "Manages rollouts of Deployments (status also for StatefulSets and DaemonSets).");
  ctx.AddGlobalFlags(flags);
  flags.Duration("timeout", &timeout, "status: give up after this long (0 = wait forever).");
  flags.Int("to-revision", &revision, "undo: the revision to go back to (0 = the previous one).");
  flags.Int("revision", &revision, "history: show the template of this revision.");
  auto rest = flags.Parse(args);
  if (!rest.ok()) return Fail(ctx, rest.status().message());
  if (flags.help_requested() || rest->empty()) {
    std::fputs(flags.Help().c_str(), flags.help_requested() ? ctx.out : ctx.err);
    return flags.help_requested() ? 0 : 2;
  }
  std::string verb = (*rest)[0];
  auto target = Target(Args(rest->begin() + 1, rest->end()));
  if (!target.ok()) return Fail(ctx, "rollout " + verb + ": " + target.status().message());
  auto [kind, name] = *target;
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());
  std::string ns = ctx.Namespace();
  std::string ref = ObjectRef(*kind, name);

  if (verb == "status") return RolloutStatus(ctx, **client, *kind, ns, name, timeout);
  if (kind->kind != "Deployment") {
    return Fail(ctx, "rollout " + verb + ": only Deployments are supported");
  }
  if (verb == "history") {
    auto d = api::GetObject<api::Deployment>(**client, ns, name);
    if (!d.ok()) return Fail(ctx, d.status());
    auto revisions = RevisionsOf(**client, *d);
    if (revision > 0) {
      for (const auto& rs : revisions) {
        if (RevisionText(rs) == std::to_string(revision)) {
          std::fprintf(ctx.out, "%s with revision #%ld\n%s", ref.c_str(),
                       static_cast<long>(revision), api::ToYaml(rs.spec().template_()).c_str());
          return 0;
        }
      }
      return Fail(ctx, "unable to find the specified revision");
    }
    std::fprintf(ctx.out, "%s\n", ref.c_str());
    Table table;
    table.AddRow({"REVISION", "CHANGE-CAUSE"});
    for (const auto& rs : revisions) {
      auto cause = rs.metadata().annotations().find(kChangeCause);
      table.AddRow({RevisionText(rs),
                    cause == rs.metadata().annotations().end() ? "<none>" : cause->second});
    }
    std::fputs(table.Render().c_str(), ctx.out);
    return 0;
  }
  Result<api::Deployment> r = InvalidArgument("no rollout action");
  if (verb == "undo") {
    r = Modify<api::Deployment>(**client, ns, name, [&](api::Deployment& d) -> Status {
      auto revisions = RevisionsOf(**client, d);
      if (revisions.size() < 2 && revision == 0) {
        return FailedPrecondition("no rollout history found for " + ref);
      }
      const api::ReplicaSet* to = nullptr;
      for (const auto& rs : revisions) {
        if (revision > 0 ? RevisionText(rs) == std::to_string(revision)
                         : &rs == &revisions[revisions.size() - 2]) {
          to = &rs;
        }
      }
      if (!to) return NotFound("unable to find specified revision " + std::to_string(revision));
      api::PodTemplateSpec tmpl = to->spec().template_();
      tmpl.mutable_metadata()->mutable_labels()->erase("pod-template-hash");
      *d.mutable_spec()->mutable_template_() = tmpl;
      return Status::Ok();
    });
    if (r.ok()) std::fprintf(ctx.out, "%s rolled back\n", ref.c_str());
  } else if (verb == "restart") {
    r = Modify<api::Deployment>(**client, ns, name, [](api::Deployment& d) {
      (*d.mutable_spec()
            ->mutable_template_()
            ->mutable_metadata()
            ->mutable_annotations())["kubectl.kubernetes.io/restartedAt"] =
          google::protobuf::util::TimeUtil::ToString(
              google::protobuf::util::TimeUtil::GetCurrentTime());
      return Status::Ok();
    });
    if (r.ok()) std::fprintf(ctx.out, "%s restarted\n", ref.c_str());
  } else if (verb == "pause" || verb == "resume") {
    bool pause = verb == "pause";
    r = Modify<api::Deployment>(**client, ns, name, [pause](api::Deployment& d) {
      d.mutable_spec()->set_paused(pause);
      return Status::Ok();
    });
    if (r.ok()) std::fprintf(ctx.out, "%s %s\n", ref.c_str(), pause ? "paused" : "resumed");
  } else {
    return Fail(ctx, "rollout: unknown subcommand \"" + verb +
                         "\" (want status, history, undo, restart, pause or resume)");
  }
  return r.ok() ? 0 : Fail(ctx, r.status());
}

}  // namespace skiff::netctl
