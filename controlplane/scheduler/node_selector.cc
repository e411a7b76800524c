#include "controlplane/scheduler/node_selector.h"

#include <algorithm>
#include <charconv>

#include "skiff/api/core.pb.h"

namespace skiff::scheduler {
namespace {

bool ParseInt(const std::string& s, int64_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

std::optional<NodeRequirement> CompileRequirement(const api::NodeSelectorRequirement& r) {
  NodeRequirement out;
  out.key = r.key();
  out.key_id = InternLabelKey(out.key);
  const std::string& op = r.operator_();
  if (op == "In" || op == "NotIn") {
    if (r.values().empty()) return std::nullopt;
    out.op = op == "In" ? NodeRequirement::Op::kIn : NodeRequirement::Op::kNotIn;
    out.values.assign(r.values().begin(), r.values().end());
    std::sort(out.values.begin(), out.values.end());
  } else if (op == "Exists" || op == "DoesNotExist") {
    if (!r.values().empty()) return std::nullopt;
    out.op = op == "Exists" ? NodeRequirement::Op::kExists : NodeRequirement::Op::kDoesNotExist;
  } else if (op == "Gt" || op == "Lt") {
    if (r.values_size() != 1 || !ParseInt(r.values(0), &out.number)) return std::nullopt;
    out.op = op == "Gt" ? NodeRequirement::Op::kGt : NodeRequirement::Op::kLt;
  } else {
    return std::nullopt;
  }
  return out;
}

bool RequirementMatches(const NodeRequirement& r, const std::string* value) {
  auto in = [&] { return value && std::binary_search(r.values.begin(), r.values.end(), *value); };
  switch (r.op) {
    case NodeRequirement::Op::kIn:
      return in();
    case NodeRequirement::Op::kNotIn:
      return !in();
    case NodeRequirement::Op::kExists:
      return value != nullptr;
    case NodeRequirement::Op::kDoesNotExist:
      return value == nullptr;
    case NodeRequirement::Op::kGt:
    case NodeRequirement::Op::kLt: {
      int64_t have;
      if (!value || !ParseInt(*value, &have)) return false;
      return r.op == NodeRequirement::Op::kGt ? have > r.number : have < r.number;
    }
  }
  return false;
}

}  // namespace

std::optional<NodeSelectorTermMatcher> NodeSelectorTermMatcher::Compile(
    const api::NodeSelectorTerm& term) {
  if (term.match_expressions().empty() && term.match_fields().empty()) return std::nullopt;
  NodeSelectorTermMatcher m;
  for (const auto& e : term.match_expressions()) {
    auto r = CompileRequirement(e);
    if (!r) return std::nullopt;
    m.labels_.push_back(std::move(*r));
  }
  for (const auto& f : term.match_fields()) {
    if (f.key() != "metadata.name" || f.values_size() != 1) return std::nullopt;
    auto r = CompileRequirement(f);
    if (!r || (r->op != NodeRequirement::Op::kIn && r->op != NodeRequirement::Op::kNotIn)) {
      return std::nullopt;
    }
    m.fields_.push_back(std::move(*r));
  }
  return m;
}

bool NodeSelectorTermMatcher::Matches(const LabelIndex& labels, const std::string& name) const {
  for (const NodeRequirement& r : labels_) {
    if (!RequirementMatches(r, labels.Get(r.key_id))) return false;
  }
  for (const NodeRequirement& r : fields_) {
    if (!RequirementMatches(r, &name)) return false;
  }
  return true;
}

NodeSelectorMatcher NodeSelectorMatcher::Compile(const api::NodeSelector& selector) {
  NodeSelectorMatcher m;
  for (const auto& term : selector.node_selector_terms()) {
    if (auto t = NodeSelectorTermMatcher::Compile(term)) m.terms_.push_back(std::move(*t));
  }
  return m;
}

bool NodeSelectorMatcher::Matches(const LabelIndex& labels, const std::string& name) const {
  return std::any_of(terms_.begin(), terms_.end(),
                     [&](const NodeSelectorTermMatcher& t) { return t.Matches(labels, name); });
}

RequiredNodeAffinity RequiredNodeAffinity::FromPod(const api::Pod& pod) {
  RequiredNodeAffinity a;
  for (const auto& [k, v] : pod.spec().node_selector())
    a.node_selector_.emplace_back(InternLabelKey(k), v);
  const api::Affinity& affinity = pod.spec().affinity();
  if (affinity.has_node_affinity() &&
      affinity.node_affinity().has_required_during_scheduling_ignored_during_execution()) {
    a.required_ = NodeSelectorMatcher::Compile(
        affinity.node_affinity().required_during_scheduling_ignored_during_execution());
  }
  return a;
}

bool RequiredNodeAffinity::Matches(const LabelIndex& labels, const std::string& name) const {
  for (const auto& [k, v] : node_selector_) {
    const std::string* have = labels.Get(k);
    if (!have || *have != v) return false;
  }
  return !required_ || required_->Matches(labels, name);
}

std::vector<PreferredNodeTerm> PreferredNodeTerms(const api::Pod& pod) {
  std::vector<PreferredNodeTerm> out;
  const api::Affinity& affinity = pod.spec().affinity();
  if (!affinity.has_node_affinity()) return out;
  for (const auto& p :
       affinity.node_affinity().preferred_during_scheduling_ignored_during_execution()) {
    if (p.weight() == 0) continue;
    if (auto t = NodeSelectorTermMatcher::Compile(p.preference())) {
      out.push_back({p.weight(), std::move(*t)});
    }
  }
  return out;
}

}  // namespace skiff::scheduler
