// Job and CronJob validation rules, table-driven, and their update rules.
#include <gtest/gtest.h>

#include "api/batch.h"
#include "api/defaults.h"
#include "api/validation_test_util.h"
#include "skiff/api/batch.pb.h"

namespace skiff::api {
namespace {

using test_support::Indent;
using test_support::MustLoad;
using test_support::ToStrings;
using test_support::ValidationCase;
using test_support::ValidationTableTest;

const char kJobTemplate[] =
    "selector: {matchLabels: {app: batch}}\n"
    "manualSelector: true\n"
    "template:\n"
    "  metadata: {labels: {app: batch}}\n"
    "  spec:\n"
    "    restartPolicy: Never\n"
    "    containers: [{name: main, image: busybox}]\n";

std::string JobYaml(const std::string& extra, const std::string& tmpl = kJobTemplate) {
  return "apiVersion: batch/v1\nkind: Job\nmetadata: {name: pi}\nspec:\n" + Indent(tmpl + extra, 2);
}

std::string CronYaml(const std::string& spec, const std::string& name = "nightly") {
  return "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: " + name + "}\nspec:\n" +
         Indent(spec +
                    "jobTemplate:\n  spec:\n    template:\n      spec:\n        restartPolicy: "
                    "OnFailure\n        containers: [{name: main, image: busybox}]\n",
                2);
}

INSTANTIATE_TEST_SUITE_P(
    Job, ValidationTableTest,
    testing::Values(
        ValidationCase{"Valid", JobYaml("completions: 3\nparallelism: 2\n"), {}},
        ValidationCase{"Counts",
                       JobYaml("parallelism: -1\ncompletions: -2\nbackoffLimit: -3\n"
                               "activeDeadlineSeconds: 0\nttlSecondsAfterFinished: -4\n"),
                       {"spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
                        "spec.completions: Invalid value: -2: must be greater than or equal to 0",
                        "spec.activeDeadlineSeconds: Invalid value: 0: must be greater than 0",
                        "spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0",
                        "spec.ttlSecondsAfterFinished: Invalid value: -4: must be greater than "
                        "or equal to 0"}},
        ValidationCase{"CompletionMode",
                       JobYaml("completionMode: Sometimes\n"),
                       {"spec.completionMode: Unsupported value: \"Sometimes\": supported values: "
                        "\"NonIndexed\", \"Indexed\""}},
        ValidationCase{"IndexedNeedsCompletions",
                       JobYaml("completionMode: Indexed\nparallelism: 2\n"),
                       {"spec.completions: Required value: when completion mode is Indexed"}},
        ValidationCase{"IndexedValid", JobYaml("completionMode: Indexed\ncompletions: 4\n"), {}},
        ValidationCase{
            "RestartPolicyAlways",
            JobYaml("",
                    "selector: {matchLabels: {app: b}}\nmanualSelector: true\ntemplate:\n  "
                    "metadata: {labels: {app: b}}\n  spec:\n    restartPolicy: Always\n    "
                    "containers: [{name: main, image: x}]\n"),
            {"spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported "
             "values: \"OnFailure\", \"Never\""}},
        ValidationCase{"RestartPolicyRequired",
                       JobYaml("",
                               "selector: {matchLabels: {app: b}}\nmanualSelector: true\n"
                               "template:\n  metadata: {labels: {app: b}}\n  spec:\n    "
                               "containers: [{name: main, image: x}]\n"),
                       {"spec.template.spec.restartPolicy: Required value: valid values: "
                        "\"OnFailure\", \"Never\""}},
        ValidationCase{"PodDeadlineAllowed",
                       JobYaml("",
                               "selector: {matchLabels: {app: b}}\nmanualSelector: true\n"
                               "template:\n  metadata: {labels: {app: b}}\n  spec:\n    "
                               "restartPolicy: OnFailure\n    activeDeadlineSeconds: 5\n    "
                               "containers: [{name: main, image: x}]\n"),
                       {}},
        ValidationCase{"ManualSelectorMustMatch",
                       JobYaml("",
                               "selector: {matchLabels: {app: b}}\nmanualSelector: true\n"
                               "template:\n  metadata: {labels: {app: c}}\n  spec:\n    "
                               "restartPolicy: Never\n    containers: [{name: main, image: "
                               "x}]\n"),
                       {"spec.template.metadata.labels: Invalid value: {\"app\":\"c\"}: "
                        "`selector` does not match template `labels`"}},
        ValidationCase{"SelectorRequired",
                       JobYaml("",
                               "manualSelector: true\ntemplate:\n  spec:\n    restartPolicy: "
                               "Never\n    containers: [{name: main, image: x}]\n"),
                       {"spec.selector: Required value"}},
        ValidationCase{"TemplateRequired",
                       JobYaml("", "selector: {matchLabels: {app: b}}\nmanualSelector: true\n"),
                       {"spec.template: Required value"}}),
    test_support::CaseName);

INSTANTIATE_TEST_SUITE_P(
    CronJob, ValidationTableTest,
    testing::Values(
        ValidationCase{"Valid", CronYaml("schedule: \"*/5 * * * *\"\n"), {}},
        ValidationCase{
            "Descriptor", CronYaml("schedule: \"@hourly\"\ntimeZone: Europe/Berlin\n"), {}},
        ValidationCase{"Names", CronYaml("schedule: \"0 9 1-7 jan-mar mon-fri\"\n"), {}},
        ValidationCase{"ScheduleRequired", CronYaml(""), {"spec.schedule: Required value"}},
        ValidationCase{"ScheduleFields",
                       CronYaml("schedule: \"* * * *\"\n"),
                       {"spec.schedule: Invalid value: \"* * * *\": expected exactly 5 fields, "
                        "found 4: * * * *"}},
        ValidationCase{"ScheduleRange",
                       CronYaml("schedule: \"61 * * * *\"\n"),
                       {"spec.schedule: Invalid value: \"61 * * * *\": minute: \"61\": out of "
                        "range (0-59)"}},
        ValidationCase{"ScheduleName",
                       CronYaml("schedule: \"0 0 * * mon-xyz\"\n"),
                       {"spec.schedule: Invalid value: \"0 0 * * mon-xyz\": day-of-week: "
                        "\"mon-xyz\": unknown name or malformed number \"xyz\""}},
        ValidationCase{"ScheduleTZ",
                       CronYaml("schedule: \"TZ=UTC 0 0 * * *\"\n"),
                       {"spec.schedule: Invalid value: \"TZ=UTC 0 0 * * *\": cannot use TZ or "
                        "CRON_TZ in schedule, use timeZone field instead"}},
        ValidationCase{"TimeZone",
                       CronYaml("schedule: \"@daily\"\ntimeZone: Mars/Olympus\n"),
                       {"spec.timeZone: Invalid value: \"Mars/Olympus\": unknown time zone "
                        "Mars/Olympus: no such zone under /usr/share/zoneinfo"}},
        ValidationCase{"TimeZoneLocal",
                       CronYaml("schedule: \"@daily\"\ntimeZone: Local\n"),
                       {"spec.timeZone: Invalid value: \"Local\": unknown time zone Local: must "
                        "be an explicit IANA time zone name"}},
        ValidationCase{"TimeZonePath",
                       CronYaml("schedule: \"@daily\"\ntimeZone: ../../etc/passwd\n"),
                       {"spec.timeZone: Invalid value: \"../../etc/passwd\": unknown time zone "
                        "../../etc/passwd: must be an IANA time zone name, not a path"}},
        ValidationCase{"Policy",
                       CronYaml("schedule: \"@daily\"\nconcurrencyPolicy: Sometimes\n"
                                "startingDeadlineSeconds: -1\nsuccessfulJobsHistoryLimit: -1\n"
                                "failedJobsHistoryLimit: -2\n"),
                       {"spec.startingDeadlineSeconds: Invalid value: -1: must be greater than "
                        "or equal to 0",
                        "spec.concurrencyPolicy: Unsupported value: \"Sometimes\": supported "
                        "values: \"Allow\", \"Forbid\", \"Replace\"",
                        "spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater "
                        "than or equal to 0",
                        "spec.failedJobsHistoryLimit: Invalid value: -2: must be greater than or "
                        "equal to 0"}},
        ValidationCase{"NameTooLong",
                       CronYaml("schedule: \"@daily\"\n", std::string(53, 'a')),
                       {"metadata.name: Invalid value: \"" + std::string(53, 'a') +
                        "\": must be no more than 52 characters"}}),
    test_support::CaseName);

// Validation runs on defaulted objects (as in the API server).
std::vector<std::string> DefaultedErrors(const std::string& yaml) {
  auto m = MustLoad(yaml);
  if (!m) return {"<load failed>"};
  ApplyDefaults(*m);
  return ToStrings(Validate(*m));
}

TEST(BatchValidationTest, CronJobTemplateRules) {
  EXPECT_EQ(DefaultedErrors(CronYaml("schedule: \"@daily\"\n")), std::vector<std::string>{});
  std::string yaml =
      "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: "
      "\"@daily\"\n  jobTemplate:\n    spec:\n      manualSelector: true\n      selector: "
      "{matchLabels: {a: b}}\n      completionMode: Indexed\n      template:\n        spec:\n "
      "         restartPolicy: Always\n          containers: [{name: m, image: x}]\n";
  EXPECT_EQ(DefaultedErrors(yaml),
            (std::vector<std::string>{
                "spec.jobTemplate.spec.completions: Required value: when completion mode is "
                "Indexed",
                "spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "
                "\"Always\": supported values: \"OnFailure\", \"Never\"",
                "spec.jobTemplate.spec.selector: Invalid value: {...}: `selector` will be "
                "auto-generated",
                "spec.jobTemplate.spec.manualSelector: Unsupported value: \"true\": supported "
                "values: \"nil\", \"false\""}));
}

Job GeneratedJob() {
  auto m = MustLoad(
      "apiVersion: batch/v1\nkind: Job\nmetadata: {name: pi, namespace: default, uid: u-1}\n"
      "spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: m, "
      "image: x}]\n");
  Job j;
  if (m) j.CopyFrom(*m);
  ApplyDefaults(j);
  return j;
}

TEST(BatchValidationTest, GeneratedSelectorMustBeTheUids) {
  Job j = GeneratedJob();
  EXPECT_TRUE(Validate(j).empty()) << JoinFieldErrors(Validate(j));
  // A foreign controller-uid in the selector and template is refused.
  (*j.mutable_spec()->mutable_selector()->mutable_match_labels())[kJobControllerUidLabel] = "u-2";
  (*j.mutable_spec()
        ->mutable_template_()
        ->mutable_metadata()
        ->mutable_labels())[kJobControllerUidLabel] = "u-2";
  EXPECT_EQ(ToStrings(Validate(j)),
            (std::vector<std::string>{"spec.template.metadata.labels[batch.kubernetes.io/"
                                      "controller-uid]: Invalid value: \"u-2\": must be 'u-1'",
                                      "spec.selector: Invalid value: {...}: `selector` not "
                                      "auto-generated"}));
}

TEST(BatchValidationTest, UpdateImmutables) {
  Job old = GeneratedJob();
  Job now = old;
  now.mutable_spec()->mutable_template_()->mutable_spec()->mutable_containers(0)->set_image("y");
  now.mutable_spec()->set_completions(5);
  (*now.mutable_spec()->mutable_selector()->mutable_match_labels())["x"] = "y";
  now.mutable_spec()->set_completion_mode("Indexed");
  EXPECT_EQ(ToStrings(ValidateUpdate(old, now)),
            (std::vector<std::string>{
                "spec.template.metadata.labels: Invalid value: {\"batch.kubernetes.io/"
                "controller-uid\":\"u-1\",\"batch.kubernetes.io/job-name\":\"pi\","
                "\"controller-uid\":\"u-1\",\"job-name\":\"pi\"}: `selector` does not match "
                "template `labels`",
                "spec.selector: Invalid value: {...}: `selector` not auto-generated",
                "spec.selector: Invalid value: {...}: field is immutable",
                "spec.template: Invalid value: {...}: field is immutable",
                "spec.completionMode: Invalid value: \"Indexed\": field is immutable",
                "spec.completions: Invalid value: 5: field is immutable"}));
  // Parallelism and suspend may change.
  now = old;
  now.mutable_spec()->set_parallelism(4);
  now.mutable_spec()->set_suspend(true);
  EXPECT_TRUE(ValidateUpdate(old, now).empty()) << JoinFieldErrors(ValidateUpdate(old, now));
}

TEST(BatchValidationTest, SuspendedUnstartedJobMayChangeSchedulingDirectives) {
  Job old = GeneratedJob();
  old.mutable_spec()->set_suspend(true);
  Job now = old;
  (*now.mutable_spec()->mutable_template_()->mutable_spec()->mutable_node_selector())["zone"] = "a";
  EXPECT_TRUE(ValidateUpdate(old, now).empty()) << JoinFieldErrors(ValidateUpdate(old, now));
  old.mutable_status()->mutable_start_time()->set_seconds(100);
  EXPECT_EQ(ToStrings(ValidateUpdate(old, now)),
            std::vector<std::string>{"spec.template: Invalid value: {...}: field is immutable"});
}

}  // namespace
}  // namespace skiff::api
