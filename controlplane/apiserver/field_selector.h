// Field selectors ("metadata.name=web,spec.nodeName=n1,status.phase!=Running"):
// requirements on scalar fields named by their JSON path. Any scalar field of
// the kind can be selected (a superset of Kubernetes' per-kind lists);
// operators are =, == and !=. An unset field compares as "" (numbers as "0",
// bools as "false"). Immutable once parsed; safe to share across threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace google::protobuf {
class Descriptor;
class FieldDescriptor;
class Message;
}  // namespace google::protobuf

namespace skiff::apiserver {

class FieldSelector {
 public:
  // Matches everything.
  FieldSelector() = default;

  // Parses `text` for messages of `descriptor`. INVALID_ARGUMENT names the
  // requirement: unknown path, non-scalar field, missing operator.
  static Result<FieldSelector> Parse(std::string_view text,
                                     const google::protobuf::Descriptor* descriptor);

  bool Matches(const google::protobuf::Message& object) const;
  bool empty() const { return requirements_.empty(); }

  // The value a requirement on `path` pins with "=", if any ("" when none):
  // lets callers narrow a scan (e.g. metadata.namespace).
  std::string EqualityValue(std::string_view path) const;

 private:
  struct Requirement {
    std::string path;
    std::vector<const google::protobuf::FieldDescriptor*> fields;  // the path, resolved
    bool equal = true;
    std::string value;
  };
  std::vector<Requirement> requirements_;
};

// The scalar at `fields` as text ("" / "0" / "false" when unset).
std::string ScalarText(const google::protobuf::Message& object,
                       const std::vector<const google::protobuf::FieldDescriptor*>& fields);

}  // namespace skiff::apiserver
