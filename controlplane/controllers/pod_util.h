// What the workload controllers share about pods and ownership: readiness
// and availability as Kubernetes defines them, controller references,
// creating a pod from a template, the ranking that decides which pods go
// first when scaling down, and template hashes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/client/informer.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/meta.pb.h"

namespace google::protobuf {
class Message;
class Timestamp;
}  // namespace google::protobuf

namespace skiff::controllers {

// Not being deleted and not finished (phase Succeeded/Failed).
bool IsPodActive(const api::Pod& pod);
// The Ready condition is True.
bool IsPodReady(const api::Pod& pod);
// Ready for at least `min_ready_seconds` (as of `now_seconds`, epoch).
bool IsPodAvailable(const api::Pod& pod, int32_t min_ready_seconds, int64_t now_seconds);
// The condition of `type`, or nullptr.
const api::PodCondition* FindCondition(const api::Pod& pod, const std::string& type);

// The ownerReference with controller: true, or nullptr.
const api::OwnerReference* ControllerRef(const api::ObjectMeta& meta);
bool IsControlledBy(const api::ObjectMeta& meta, const std::string& owner_uid);
// A controller reference to `owner` (controller and blockOwnerDeletion true).
api::OwnerReference MakeControllerRef(const google::protobuf::Message& owner);

// A new pod from `tmpl` in `ns`: labels, annotations and spec from the
// template, generateName `prefix`, controlled by `owner`.
api::Pod PodFromTemplate(const api::PodTemplateSpec& tmpl, const std::string& ns,
                         const std::string& prefix, const google::protobuf::Message& owner);

// Kubernetes' order for deleting pods when scaling down: unassigned before
// assigned, pending before unknown before running, not ready before ready,
// ready for less time first, more restarts first, newer first. Sorts in
// place, first to delete first.
void SortForDeletion(std::vector<std::shared_ptr<const api::Pod>>& pods);

// A short stable hash of a pod template ("7d9f5c6b4"), for names and the
// pod-template-hash / controller-revision-hash labels.
std::string TemplateHash(const api::PodTemplateSpec& tmpl);

// Seconds since the epoch, now.
int64_t NowSeconds();

// Pods of `informer` in `ns` controlled by `owner_uid`.
std::vector<std::shared_ptr<const api::Pod>> PodsControlledBy(const api::Informer<api::Pod>& pods,
                                                              const std::string& ns,
                                                              const std::string& owner_uid);

// The index name PodsControlledBy uses; add it with AddControllerIndex().
inline constexpr const char* kControllerIndex = "controller-uid";
void AddControllerIndex(api::InformerBase& informer);

}  // namespace skiff::controllers
