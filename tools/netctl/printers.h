// Table output of `netctl get`, column for column like kubectl's: a header
// row, columns padded to the widest cell plus three spaces, per-kind columns
// (pods: NAME READY STATUS RESTARTS AGE; services: NAME TYPE CLUSTER-IP
// EXTERNAL-IP PORT(S) AGE; ...), extra columns for -o wide, and a NAMESPACE
// column first with -A.
#pragma once

#include <string>
#include <vector>

#include "api/kinds.h"

namespace google::protobuf {
class Message;
class Timestamp;
}  // namespace google::protobuf

namespace skiff::netctl {

struct TableOptions {
  bool wide = false;
  bool with_namespace = false;  // -A
  bool no_headers = false;
};

class Table {
 public:
  void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  bool empty() const { return rows_.empty(); }
  // Aligned text; the last column is not padded.
  std::string Render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// The header cells for `kind`.
std::vector<std::string> Header(const api::KindInfo& kind, const TableOptions& options);
// One row for `object`, aligned with Header().
std::vector<std::string> Row(const api::KindInfo& kind, const google::protobuf::Message& object,
                             const TableOptions& options);

// kubectl's short human durations: "45s", "3m12s", "17m", "5h3m", "2d3h", "40d", "2y".
std::string HumanAge(int64_t seconds);
// Age of a timestamp relative to now; "<unknown>" when unset.
std::string AgeOf(const google::protobuf::Timestamp& ts);

}  // namespace skiff::netctl
