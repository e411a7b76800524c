#include "controlplane/controllers/pod_util.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>

#include "api/kinds.h"

namespace skiff::controllers {

bool IsPodActive(const api::Pod& pod) {
  return !pod.metadata().has_deletion_timestamp() && pod.status().phase() != "Succeeded" &&
         pod.status().phase() != "Failed";
}

const api::PodCondition* FindCondition(const api::Pod& pod, const std::string& type) {
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

bool IsPodReady(const api::Pod& pod) {
  const auto* c = FindCondition(pod, "Ready");
  return c && c->status() == "True";
}

bool IsPodAvailable(const api::Pod& pod, int32_t min_ready_seconds, int64_t now_seconds) {
  const auto* c = FindCondition(pod, "Ready");
  if (!c || c->status() != "True") return false;
  if (min_ready_seconds <= 0) return true;
  return c->last_transition_time().seconds() + min_ready_seconds <= now_seconds;
}

const api::OwnerReference* ControllerRef(const api::ObjectMeta& meta) {
  for (const auto& ref : meta.owner_references()) {
    if (ref.has_controller() && ref.controller()) return &ref;
  }
  return nullptr;
}

bool IsControlledBy(const api::ObjectMeta& meta, const std::string& owner_uid) {
  const auto* ref = ControllerRef(meta);
  return ref && ref->uid() == owner_uid;
}

api::OwnerReference MakeControllerRef(const google::protobuf::Message& owner) {
  const api::KindInfo* kind = api::FindKindOf(owner);
  const api::ObjectMeta* meta = api::GetObjectMeta(owner);
  api::OwnerReference ref;
  ref.set_api_version(std::string(kind->api_version));
  ref.set_kind(std::string(kind->kind));
  ref.set_name(meta->name());
  ref.set_uid(meta->uid());
  ref.set_controller(true);
  ref.set_block_owner_deletion(true);
  return ref;
}

api::Pod PodFromTemplate(const api::PodTemplateSpec& tmpl, const std::string& ns,
                         const std::string& prefix, const google::protobuf::Message& owner) {
  api::Pod pod;
  auto* meta = pod.mutable_metadata();
  meta->set_namespace_(ns);
  meta->set_generate_name(prefix);
  *meta->mutable_labels() = tmpl.metadata().labels();
  *meta->mutable_annotations() = tmpl.metadata().annotations();
  *meta->mutable_finalizers() = tmpl.metadata().finalizers();
  *meta->add_owner_references() = MakeControllerRef(owner);
  *pod.mutable_spec() = tmpl.spec();
  return pod;
}

namespace {

int PhaseRank(const api::Pod& p) {
  const std::string& phase = p.status().phase();
  if (phase == "Pending") return 0;
  if (phase == "Unknown") return 1;
  if (phase == "Running") return 2;
  return 3;
}

int Restarts(const api::Pod& p) {
  int n = 0;
  for (const auto& cs : p.status().container_statuses())
    n = std::max(n, cs.restart_count());
  return n;
}

}  // namespace

void SortForDeletion(std::vector<std::shared_ptr<const api::Pod>>& pods) {
  std::stable_sort(pods.begin(), pods.end(), [](const auto& a, const auto& b) {
    bool a_assigned = !a->spec().node_name().empty(), b_assigned = !b->spec().node_name().empty();
    if (a_assigned != b_assigned) return !a_assigned;
    if (PhaseRank(*a) != PhaseRank(*b)) return PhaseRank(*a) < PhaseRank(*b);
    bool a_ready = IsPodReady(*a), b_ready = IsPodReady(*b);
    if (a_ready != b_ready) return !a_ready;
    if (a_ready) {
      auto ta = FindCondition(*a, "Ready")->last_transition_time().seconds();
      auto tb = FindCondition(*b, "Ready")->last_transition_time().seconds();
      if (ta != tb) return ta > tb;  // ready for less time first
    }
    if (Restarts(*a) != Restarts(*b)) return Restarts(*a) > Restarts(*b);
    auto ca = a->metadata().creation_timestamp().seconds();
    auto cb = b->metadata().creation_timestamp().seconds();
    if (ca != cb) return ca > cb;  // newer first
    return a->metadata().name() > b->metadata().name();
  });
}

std::string TemplateHash(const api::PodTemplateSpec& tmpl) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    tmpl.SerializeToCodedStream(&coded);
  }
  uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 16777619u;
  }
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  do {
    out += kAlphabet[h % (sizeof kAlphabet - 1)];
    h /= sizeof kAlphabet - 1;
  } while (h);
  return out;
}

int64_t NowSeconds() {
  return google::protobuf::util::TimeUtil::GetCurrentTime().seconds();
}

void AddControllerIndex(api::InformerBase& informer) {
  informer.AddIndex(kControllerIndex, [](const google::protobuf::Message& m) {
    std::vector<std::string> out;
    if (const auto* ref = ControllerRef(*api::GetObjectMeta(m))) out.push_back(ref->uid());
    return out;
  });
}

std::vector<std::shared_ptr<const api::Pod>> PodsControlledBy(const api::Informer<api::Pod>& pods,
                                                              const std::string& ns,
                                                              const std::string& owner_uid) {
  std::vector<std::shared_ptr<const api::Pod>> out;
  for (auto& p : pods.Indexed(kControllerIndex, owner_uid)) {
    if (p->metadata().namespace_() == ns) out.push_back(std::move(p));
  }
  return out;
}

}  // namespace skiff::controllers
