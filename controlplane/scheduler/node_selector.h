// Node selection as Kubernetes defines it for pods: spec.nodeSelector (every label equal)
// and node affinity terms (NodeSelectorTerm: matchExpressions with In, NotIn, Exists,
// DoesNotExist, Gt, Lt on labels, and matchFields on metadata.name; the terms of a
// NodeSelector are ORed, the requirements of a term ANDed).
//
// As in kube-scheduler, malformed terms (an unknown operator, Gt/Lt without exactly one
// integer, a matchFields key other than metadata.name) are dropped rather than failing the
// pod, and an empty term matches nothing; a NodeSelector left with no usable term matches no
// node. Compiled matchers are immutable and safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "controlplane/scheduler/label_index.h"

namespace skiff::api {
class Node;
class NodeSelector;
class NodeSelectorTerm;
class Pod;
}  // namespace skiff::api

namespace skiff::scheduler {

struct NodeRequirement {
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist, kGt, kLt };
  std::string key;
  const std::string* key_id = nullptr;  // interned (label_index.h)
  Op op = Op::kExists;
  std::vector<std::string> values;  // sorted (In/NotIn)
  int64_t number = 0;               // Gt/Lt
};

class NodeSelectorTermMatcher {
 public:
  // nullopt when the term is empty or malformed (it then selects nothing).
  static std::optional<NodeSelectorTermMatcher> Compile(const api::NodeSelectorTerm& term);
  // `labels`: the node's labels; `name`: its metadata.name (for matchFields).
  bool Matches(const LabelIndex& labels, const std::string& name) const;

 private:
  std::vector<NodeRequirement> labels_;
  std::vector<NodeRequirement> fields_;  // key metadata.name, op In/NotIn, one value
};

class NodeSelectorMatcher {
 public:
  static NodeSelectorMatcher Compile(const api::NodeSelector& selector);
  bool Matches(const LabelIndex& labels, const std::string& name) const;
  const std::vector<NodeSelectorTermMatcher>& terms() const { return terms_; }

 private:
  std::vector<NodeSelectorTermMatcher> terms_;
};

// spec.nodeSelector AND spec.affinity.nodeAffinity.requiredDuringScheduling...
class RequiredNodeAffinity {
 public:
  RequiredNodeAffinity() = default;
  static RequiredNodeAffinity FromPod(const api::Pod& pod);
  bool Matches(const LabelIndex& labels, const std::string& name) const;
  // True when the pod constrains nothing (every node matches).
  bool empty() const { return node_selector_.empty() && !required_; }
  const std::optional<NodeSelectorMatcher>& required() const { return required_; }

 private:
  std::vector<std::pair<const std::string*, std::string>> node_selector_;  // interned keys
  std::optional<NodeSelectorMatcher> required_;
};

struct PreferredNodeTerm {
  int32_t weight = 0;
  NodeSelectorTermMatcher term;
};

// The pod's preferredDuringScheduling... terms; zero weights and empty or malformed terms
// are left out.
std::vector<PreferredNodeTerm> PreferredNodeTerms(const api::Pod& pod);

}  // namespace skiff::scheduler
