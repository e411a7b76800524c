// netctl create job NAME --from=cronjob/CRONJOB | --image=IMAGE [-- COMMAND [ARGS...]], as
// kubectl's generator: --from copies the CronJob's jobTemplate (labels, annotations plus
// cronjob.kubernetes.io/instantiate=manual, spec) into a Job the CronJob controls, as
// if the CronJob had run now; --image makes a one-container Job (restartPolicy Never).
#include <algorithm>

#include "api/client/typed.h"
#include "api/manifest.h"
#include "skiff/api/batch.pb.h"
#include "tools/netctl/create_commands.h"
#include "tools/netctl/create_common.h"

namespace skiff::netctl {
namespace {

// The cronjob name of "cronjob/NAME" (also cronjobs/, cj/, cronjob.batch/, ...).
Result<std::string> CronJobFrom(const std::string& from) {
  size_t slash = from.find('/');
  if (slash == std::string::npos || slash + 1 == from.size()) {
    return InvalidArgument("--from=" + from + ": want cronjob/NAME");
  }
  const api::KindInfo* kind = api::FindResource(from.substr(0, slash));
  if (kind == nullptr || kind->kind != "CronJob") {
    return InvalidArgument("--from=" + from + ": unknown object type \"" + from.substr(0, slash) +
                           "\"; only cronjob/NAME is supported");
  }
  return from.substr(slash + 1);
}

Result<json::Value> JobFromCronJob(Context& ctx, const std::string& name,
                                   const std::string& cronjob) {
  auto client = ctx.Client();
  if (!client.ok()) return client.status();
  auto cj = api::GetObject<api::CronJob>(**client, ctx.Namespace(), cronjob);
  if (!cj.ok()) return cj.status();
  const api::JobTemplateSpec& t = cj->spec().job_template();
  auto spec = json::Parse(api::ToJson(t.spec()));
  if (!spec.ok()) return spec.status();
  json::Object annotations{{"cronjob.kubernetes.io/instantiate", "manual"}};
  for (const auto& [k, v] : t.metadata().annotations())
    annotations.Set(k, v);
  json::Object labels;
  for (const auto& [k, v] : t.metadata().labels())
    labels.Set(k, v);
  // Controller, without blockOwnerDeletion (kubectl's choice: it would need the
  // cronjobs/finalizers permission).
  json::Object owner{{"apiVersion", "batch/v1"},
                     {"kind", "CronJob"},
                     {"name", cj->metadata().name()},
                     {"uid", cj->metadata().uid()},
                     {"controller", true}};
  json::Object meta{{"name", name},
                    {"namespace", cj->metadata().namespace_()},
                    {"annotations", std::move(annotations)},
                    {"ownerReferences", json::Array{std::move(owner)}}};
  if (!labels.empty()) meta.Set("labels", std::move(labels));
  return json::Value(json::Object{{"apiVersion", "batch/v1"},
                                  {"kind", "Job"},
                                  {"metadata", std::move(meta)},
                                  {"spec", std::move(*spec)}});
}

}  // namespace

int RunCreateJob(Context& ctx, const Args& raw_args) {
  auto dash = std::find(raw_args.begin(), raw_args.end(), "--");
  Args args(raw_args.begin(), dash);
  Args command(dash == raw_args.end() ? dash : dash + 1, raw_args.end());
  WriteFlags write;
  std::string from, image;
  FlagSet flags(
      "netctl create job NAME --from=cronjob/CRONJOB | --image=IMAGE [-- COMMAND [ARGS...]] "
      "[flags]",
      "Creates a Job: a run of a CronJob now (--from), or one container that runs COMMAND\n"
      "once (--image, restartPolicy Never).");
  flags.String("from", &from, "cronjob/NAME: copy that CronJob's jobTemplate.");
  flags.String("image", &image, "Container image of a Job made from scratch.");
  int code = 0;
  auto rest = ParseWriteFlags(ctx, flags, write, args, &code);
  if (!rest) return code;
  auto name = SingleName(ctx, *rest);
  if (!name) return 1;
  if (from.empty() == image.empty()) {
    return Fail(ctx, "create job: exactly one of --from=cronjob/NAME or --image is required");
  }
  if (!from.empty()) {
    if (!command.empty()) return Fail(ctx, "create job: a COMMAND cannot be given with --from");
    auto cronjob = CronJobFrom(from);
    if (!cronjob.ok()) return Fail(ctx, cronjob.status().message());
    auto job = JobFromCronJob(ctx, *name, *cronjob);
    if (!job.ok()) return Fail(ctx, job.status());
    return CreateFromJson(ctx, std::move(*job), write);
  }
  json::Object container{{"name", *name}, {"image", image}};
  if (!command.empty()) container.Set("command", json::Array(command.begin(), command.end()));
  json::Object pod_spec{{"containers", json::Array{std::move(container)}},
                        {"restartPolicy", "Never"}};
  return CreateFromJson(
      ctx,
      json::Object{
          {"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", json::Object{{"name", *name}}},
          {"spec", json::Object{{"template", json::Object{{"spec", std::move(pod_spec)}}}}}},
      write);
}

}  // namespace skiff::netctl
