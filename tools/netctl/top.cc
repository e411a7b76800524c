#include "tools/netctl/top.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <tuple>

#include "api/client/typed.h"
#include "api/labels.h"
#include "api/quantity.h"
#include "skiff/api/core.pb.h"
#include "tools/netctl/printers.h"

namespace skiff::netctl {
namespace {

constexpr const char* kUsage =
    "netctl top (nodes|pods) [NAME] [flags]\n"
    "  nodes: CPU and memory of each node, and their share of what it can allocate\n"
    "  pods:  CPU and memory of each pod (or of each container with --containers)";

struct TopOptions {
  std::string selector;
  std::string sort_by;
  bool no_headers = false;
  bool containers = false;
  bool sum = false;
  bool show_capacity = false;
};

struct Usage {
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
};

// cpu and memory of a usage map; a value that does not parse counts as 0
// (the server writes canonical quantities).
Usage UsageOf(const google::protobuf::Map<std::string, std::string>& usage) {
  Usage u;
  if (auto it = usage.find("cpu"); it != usage.end()) {
    auto q = api::Quantity::Parse(it->second);
    if (q.ok()) u.cpu_milli = q->MilliValue();
  }
  if (auto it = usage.find("memory"); it != usage.end()) {
    auto q = api::Quantity::Parse(it->second);
    if (q.ok()) u.memory_bytes = q->Value();
  }
  return u;
}

std::string Cpu(int64_t milli) {
  return std::to_string(milli) + "m";
}
std::string Memory(int64_t bytes) {
  return std::to_string(bytes / (1024 * 1024)) + "Mi";
}

Status CheckSortBy(const std::string& sort_by) {
  if (sort_by.empty() || sort_by == "cpu" || sort_by == "memory") return Status::Ok();
  return InvalidArgument("--sort-by=" + sort_by + ": want cpu or memory");
}

// Highest first for cpu/memory; otherwise stable (by name, as listed).
template <typename Row>
void SortRows(std::vector<Row>& rows, const std::string& sort_by) {
  if (sort_by.empty()) return;
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    return sort_by == "cpu" ? a.usage.cpu_milli > b.usage.cpu_milli
                            : a.usage.memory_bytes > b.usage.memory_bytes;
  });
}

std::string Percent(int64_t used, const google::protobuf::Map<std::string, std::string>& of,
                    const char* resource, bool milli) {
  auto it = of.find(resource);
  if (it == of.end()) return "<unknown>";
  auto q = api::Quantity::Parse(it->second);
  if (!q.ok()) return "<unknown>";
  int64_t total = milli ? q->MilliValue() : q->Value();
  if (total <= 0) return "<unknown>";
  return std::to_string(
             static_cast<int64_t>(static_cast<double>(used) * 100.0 / static_cast<double>(total))) +
         "%";
}

// "metrics not available yet" and friends, as kubectl says them.
int MetricsError(Context& ctx, const Status& s) {
  if (s.code() == StatusCode::kUnimplemented) return Fail(ctx, "Metrics API not available");
  return Fail(ctx, s);
}

int TopNodes(Context& ctx, const TopOptions& o, const std::vector<std::string>& names,
             metrics::MetricsClient& mc) {
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());
  metrics::ListMetricsRequest req;
  req.set_label_selector(o.selector);
  if (!names.empty()) req.set_name(names[0]);
  auto list = mc.ListNodeMetrics(req);
  if (!list.ok()) return MetricsError(ctx, list.status());
  std::vector<api::Node> nodes;
  if (!names.empty()) {
    auto node = api::GetObject<api::Node>(**client, "", names[0]);
    if (!node.ok()) return Fail(ctx, node.status());
    nodes.push_back(std::move(*node));
  } else {
    auto all = api::ListObjects<api::Node>(**client, "", o.selector);
    if (!all.ok()) return Fail(ctx, all.status());
    nodes = std::move(*all);
  }
  std::map<std::string, Usage> by_name;
  for (const auto& m : list->items())
    by_name[m.metadata().name()] = UsageOf(m.usage());
  if (by_name.empty()) return Fail(ctx, "metrics not available yet");
  struct Row {
    const api::Node* node;
    bool known;
    Usage usage;
  };
  std::vector<Row> rows;
  for (const auto& n : nodes) {
    auto it = by_name.find(n.metadata().name());
    rows.push_back(Row{&n, it != by_name.end(), it != by_name.end() ? it->second : Usage{}});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.node->metadata().name() < b.node->metadata().name();
  });
  SortRows(rows, o.sort_by);
  Table table;
  if (!o.no_headers) {
    table.AddRow({"NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"});
  }
  for (const auto& r : rows) {
    const auto& total =
        o.show_capacity ? r.node->status().capacity() : r.node->status().allocatable();
    if (!r.known) {
      table.AddRow({r.node->metadata().name(), "<unknown>", "<unknown>", "<unknown>", "<unknown>"});
      continue;
    }
    table.AddRow({r.node->metadata().name(), Cpu(r.usage.cpu_milli),
                  Percent(r.usage.cpu_milli, total, "cpu", true), Memory(r.usage.memory_bytes),
                  Percent(r.usage.memory_bytes, total, "memory", false)});
  }
  std::fputs(table.Render().c_str(), ctx.out);
  return 0;
}

int TopPods(Context& ctx, const TopOptions& o, const std::vector<std::string>& names,
            metrics::MetricsClient& mc) {
  bool all_ns = ctx.AllNamespaces() && names.empty();
  std::string ns = all_ns ? "" : ctx.Namespace();
  metrics::ListMetricsRequest req;
  req.set_namespace_(ns);
  req.set_label_selector(o.selector);
  if (!names.empty()) req.set_name(names[0]);
  auto list = mc.ListPodMetrics(req);
  if (!list.ok()) return MetricsError(ctx, list.status());
  if (list->items_size() == 0) {
    // Pods that exist but have no figures yet are a different story from
    // no pods at all.
    auto client = ctx.Client();
    if (!client.ok()) return Fail(ctx, client.status());
    auto pods = api::ListObjects<api::Pod>(**client, ns, o.selector);
    if (!pods.ok()) return Fail(ctx, pods.status());
    if (!pods->empty()) return Fail(ctx, "metrics not available yet");
    if (all_ns) {
      std::fputs("No resources found\n", ctx.err);
    } else {
      std::fprintf(ctx.err, "No resources found in %s namespace.\n", ns.c_str());
    }
    return 0;
  }
  struct Row {
    std::string ns, pod, container;
    Usage usage;
  };
  std::vector<Row> rows;
  for (const auto& m : list->items()) {
    if (o.containers) {
      for (const auto& c : m.containers()) {
        rows.push_back(
            Row{m.metadata().namespace_(), m.metadata().name(), c.name(), UsageOf(c.usage())});
      }
      continue;
    }
    Usage total;
    for (const auto& c : m.containers()) {
      Usage u = UsageOf(c.usage());
      total.cpu_milli += u.cpu_milli;
      total.memory_bytes += u.memory_bytes;
    }
    rows.push_back(Row{m.metadata().namespace_(), m.metadata().name(), "", total});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.ns, a.pod, a.container) < std::tie(b.ns, b.pod, b.container);
  });
  SortRows(rows, o.sort_by);
  Table table;
  std::vector<std::string> header;
  if (all_ns) header.push_back("NAMESPACE");
  if (o.containers) header.push_back("POD");
  header.push_back("NAME");
  header.push_back("CPU(cores)");
  header.push_back("MEMORY(bytes)");
  if (!o.no_headers) table.AddRow(header);
  Usage sum;
  for (const auto& r : rows) {
    std::vector<std::string> cells;
    if (all_ns) cells.push_back(r.ns);
    if (o.containers) {
      cells.push_back(r.pod);
      cells.push_back(r.container);
    } else {
      cells.push_back(r.pod);
    }
    cells.push_back(Cpu(r.usage.cpu_milli));
    cells.push_back(Memory(r.usage.memory_bytes));
    sum.cpu_milli += r.usage.cpu_milli;
    sum.memory_bytes += r.usage.memory_bytes;
    table.AddRow(std::move(cells));
  }
  if (o.sum) {
    // kubectl's total line: blanks under the name columns, the sums under
    // the figures.
    size_t blanks = header.size() - 2;
    std::vector<std::string> dashes(blanks, ""), totals(blanks, "");
    dashes.push_back("________");
    dashes.push_back("________");
    totals.push_back(Cpu(sum.cpu_milli));
    totals.push_back(Memory(sum.memory_bytes));
    table.AddRow(std::move(dashes));
    table.AddRow(std::move(totals));
  }
  std::fputs(table.Render().c_str(), ctx.out);
  return 0;
}

}  // namespace

int RunTopWith(Context& ctx, const Args& args, metrics::MetricsClient* metrics) {
  TopOptions o;
  FlagSet flags(kUsage, "Shows CPU and memory use of nodes or pods.");
  ctx.AddGlobalFlags(flags);
  flags.String("selector", &o.selector, "Label selector, e.g. app=web.");
  flags.String("l", &o.selector, "Short for --selector.");
  flags.String("sort-by", &o.sort_by, "Sort by cpu or memory, highest first.");
  flags.Bool("no-headers", &o.no_headers, "Omit the header row.");
  flags.Bool("containers", &o.containers, "pods: one row per container.");
  flags.Bool("sum", &o.sum, "pods: add a row with the totals.");
  flags.Bool("show-capacity", &o.show_capacity,
             "nodes: percentages of capacity instead of allocatable.");
  auto rest = flags.Parse(args);
  if (!rest.ok()) return Fail(ctx, "top: " + rest.status().message());
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), ctx.out);
    return 0;
  }
  if (rest->empty()) return Fail(ctx, "top: say what to show: netctl top nodes or netctl top pods");
  if (Status s = CheckSortBy(o.sort_by); !s.ok()) return Fail(ctx, "top: " + s.message());
  if (!o.selector.empty()) {
    auto sel = api::Selector::Parse(o.selector);
    if (!sel.ok()) return Fail(ctx, "top: " + sel.status().message());
  }
  std::string what = (*rest)[0];
  std::vector<std::string> names(rest->begin() + 1, rest->end());
  if (names.size() > 1)
    return Fail(ctx, "top: at most one name, got " + std::to_string(names.size()));
  if (!names.empty() && !o.selector.empty()) {
    return Fail(ctx, "top: a name and --selector cannot be combined");
  }
  bool nodes = what == "node" || what == "nodes" || what == "no";
  bool pods = what == "pod" || what == "pods" || what == "po";
  if (!nodes && !pods) {
    return Fail(ctx, "top: unknown resource \"" + what + "\": want nodes or pods");
  }
  std::unique_ptr<metrics::MetricsClient> owned;
  if (metrics == nullptr) {
    auto config = ctx.Config();
    if (!config.ok()) return Fail(ctx, config.status());
    owned = metrics::NewRemoteMetricsClient(*config);
    metrics = owned.get();
  }
  return nodes ? TopNodes(ctx, o, names, *metrics) : TopPods(ctx, o, names, *metrics);
}

int RunTop(Context& ctx, const Args& args) {
  return RunTopWith(ctx, args, nullptr);
}

}  // namespace skiff::netctl
