// Per-group defaulting functions shared by defaults*.cc. Internal to api/.
#pragma once

namespace skiff::api {

class Pod;
class PodSpec;

// Pod-only defaults on top of DefaultPodSpec (requests from limits).
void DefaultPod(Pod* pod);

}  // namespace skiff::api
