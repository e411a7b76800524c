// Per-group defaulting functions shared by defaults*.cc. Internal to api/.
#pragma once

namespace skiff::api {

class CronJob;
class Job;
class Pod;
class PodSpec;

// Pod-only defaults on top of DefaultPodSpec (requests from limits).
void DefaultPod(Pod* pod);

// Job and CronJob (defaults_batch.cc).
void DefaultJob(Job* job);
void DefaultCronJob(CronJob* cj);

}  // namespace skiff::api
