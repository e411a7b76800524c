// Defaulting: fills unset fields with the values the Kubernetes API server defaults them
// to, so that controllers, the scheduler and the proxy see complete objects. Applied by the
// API server on create and update, before validation.
//
// Highlights (see docs/api.md for the full list):
//   Pod/templates: restartPolicy Always, dnsPolicy ClusterFirst, schedulerName
//     default-scheduler, terminationGracePeriodSeconds 30, enableServiceLinks true,
//     securityContext {}; containers: imagePullPolicy (Always for :latest or no tag, else
//     IfNotPresent), terminationMessagePath/Policy, port protocol TCP, probe timings
//     (timeout 1, period 10, success 1, failure 3), httpGet path "/" scheme HTTP; volumes
//     without a source become emptyDir, defaultMode 0644. Pods (not templates) also get
//     resource requests copied from limits where missing.
//   Service: type ClusterIP, sessionAffinity None, protocol TCP, targetPort = port, ...
//   Deployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10,
//     progressDeadlineSeconds 600. ReplicaSet/StatefulSet replicas 1; StatefulSet
//     OrderedReady + RollingUpdate(partition 0); DaemonSet RollingUpdate maxUnavailable 1.
//   HPA: minReplicas 1, metrics default to 80% CPU utilization, behavior rules filled.
//   Secret: type Opaque; stringData merged into data (stringData wins) and cleared.
//   EndpointSlice ports: protocol TCP. RBAC subjects: apiGroup by kind.
//   Job: completions+parallelism 1 when both unset, parallelism 1, backoffLimit 6,
//     completionMode NonIndexed, suspend/manualSelector false, selector and controller-uid /
//     job-name template labels generated once the uid is set (api/batch.h), Job labels
//     from the template when unset; template restartPolicy is NOT defaulted.
//   CronJob: concurrencyPolicy Allow, suspend false, history limits 3 (successful) and 1
//     (failed); the job template's pod spec as for Jobs.
//
// Idempotent: applying twice equals applying once. Messages that are not kinds are left
// unchanged. Not thread-safe for the same message (it mutates it).
#pragma once

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

namespace skiff::api {

class PodSpec;  // skiff/api/core.pb.h

void ApplyDefaults(google::protobuf::Message& object);

// The pod spec part of the above, for code that builds pods from templates.
void DefaultPodSpec(PodSpec* spec);

}  // namespace skiff::api
