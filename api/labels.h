// Label selectors: the string form used by `-l`/list requests ("app=web,tier in (a,b),!old")
// and the LabelSelector message (matchLabels + matchExpressions), with Kubernetes semantics.
//
// Grammar (comma = AND):  key | !key | key=v | key==v | key!=v | key in (v1,v2) |
// key notin (v1) | key>N | key<N.  Keys must be qualified names, values label values.
// A selector with no requirements matches everything; Selector::Nothing() matches nothing
// (what an unset LabelSelector means for workloads).
// Selectors are immutable values, safe to share between threads once built.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/field_error.h"
#include "common/status.h"

namespace google::protobuf {
template <typename Key, typename T>
class Map;
}  // namespace google::protobuf

namespace skiff::api {

class LabelSelector;  // skiff/api/meta.pb.h

enum class SelectorOperator {
  kEquals,        // a=b
  kDoubleEquals,  // a==b
  kNotEquals,     // a!=b
  kIn,            // a in (b,c)
  kNotIn,         // a notin (b,c)
  kExists,        // a
  kDoesNotExist,  // !a
  kGreaterThan,   // a>5 (integer label values only)
  kLessThan,      // a<5
};

struct Requirement {
  std::string key;
  SelectorOperator op = SelectorOperator::kExists;
  std::vector<std::string> values;  // sorted, unique

  // Canonical string form: "a=b", "a in (b,c)", "!a".
  std::string ToString() const;
  friend bool operator==(const Requirement&, const Requirement&) = default;
};

class Selector {
 public:
  // Matches everything.
  Selector() = default;
  static Selector Everything() { return Selector(); }
  static Selector Nothing();

  // Parses the string form; "" is Everything(). Errors (INVALID_ARGUMENT) quote the
  // selector and name the offending token, e.g.
  // `invalid label selector "a in b": found "b", expected "("`.
  static Result<Selector> Parse(std::string_view text);

  // From a LabelSelector message. Errors name the field: `matchExpressions[0].operator:
  // Unsupported value: "Foo": ...`. An empty message is Everything().
  static Result<Selector> FromLabelSelector(const LabelSelector& selector);

  // Equality requirements for every entry (a Service selector, matchLabels).
  static Selector FromLabels(const google::protobuf::Map<std::string, std::string>& labels);
  static Selector FromLabels(const std::map<std::string, std::string>& labels);

  bool Matches(const google::protobuf::Map<std::string, std::string>& labels) const;
  bool Matches(const std::map<std::string, std::string>& labels) const;

  // True for Everything() (no requirements).
  bool empty() const { return !nothing_ && requirements_.empty(); }
  bool matches_nothing() const { return nothing_; }
  // Sorted by key, as Kubernetes keeps them.
  const std::vector<Requirement>& requirements() const { return requirements_; }

  // Canonical string form: requirements sorted by key, joined by ","; "" for Everything()
  // and Nothing().
  std::string ToString() const;

  friend bool operator==(const Selector&, const Selector&) = default;

 private:
  void Add(Requirement r);

  std::vector<Requirement> requirements_;
  bool nothing_ = false;
};

// Validates a LabelSelector message: operators, values present exactly for In/NotIn, keys
// qualified names, values label values. Paths are relative to `path`.
void ValidateLabelSelector(const LabelSelector& selector, std::string_view path, ErrorList* errors);

// Validates a label map: keys qualified names, values label values.
void ValidateLabels(const google::protobuf::Map<std::string, std::string>& labels,
                    std::string_view path, ErrorList* errors);

}  // namespace skiff::api
