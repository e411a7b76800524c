// Inspection of the pinned LB maps for `netctl lb ...`. Reads the maps
// directly (no skiff-proxy, no control plane needed) and returns tables that
// render as kubectl-like aligned columns or as JSON.
//
//   netctl lb services          -> Services(root)
//   netctl lb backends SVC      -> Backends(root, "ns/name[:port]")
//   netctl lb maglev SVC        -> Maglev(root, SVC)
//   netctl lb conntrack [SVC]   -> Conntrack(root, SVC or "")
//   netctl lb stats             -> Stats(root)
//
// SVC is "namespace/name" (every port), "namespace/name:port" (port name
// or number), or "name" for the default namespace. NOT_FOUND when the maps
// are not pinned under root or no Service matches. Thread-safe (no state).
#pragma once

#include <string>
#include <vector>

#include "common/json/json.h"
#include "common/status.h"
#include "skiff_maps.h"

namespace skiff::dataplane::inspect {

struct Table {
  std::vector<std::string> columns;            // upper-case headers
  std::vector<std::vector<std::string>> rows;  // one cell per column
  std::string ToText() const;                  // aligned columns, header first
  json::Value ToJson() const;                  // [{"column": "cell", ...}, ...]
};

Result<Table> Services(const std::string& pin_root = SKIFF_PIN_ROOT);
Result<Table> Backends(const std::string& pin_root, const std::string& service);
Result<Table> Maglev(const std::string& pin_root, const std::string& service);
Result<Table> Conntrack(const std::string& pin_root, const std::string& service = "");
Result<Table> Stats(const std::string& pin_root = SKIFF_PIN_ROOT);

}  // namespace skiff::dataplane::inspect
