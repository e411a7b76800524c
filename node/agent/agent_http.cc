// Agent: the node API over HTTP (logs, exec, stats, pods).
#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "common/json/json.h"
#include "common/log.h"
#include "node/agent/agent.h"
#include "node/pod/logs.h"
#include "node/pod/status.h"
#include "node/runtime/fs.h"

namespace skiff::node {
namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(path);
  while (std::getline(in, cur, '/')) {
    if (!cur.empty()) out.push_back(cur);
  }
  return out;
}

// "true"/"1" (kubelet accepts Go's strconv.ParseBool forms).
bool Truthy(const std::string& v) {
  return v == "true" || v == "1" || v == "True" || v == "t";
}

// Parses a non-negative integer parameter; false on bad input.
bool NonNegative(const HttpRequest& req, const char* key, int64_t* out) {
  if (!req.HasParam(key)) return true;
  std::string v = req.Param(key);
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 18) {
    return false;
  }
  *out = std::stoll(v);
  return true;
}

std::string Rfc3339(int64_t ns) {
  time_t secs = ns / 1000000000LL;
  tm t{};
  gmtime_r(&secs, &t);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &t);
  return buf;
}

// CPU usage rates need two samples; the previous one per cgroup is kept.
class CpuRates {
 public:
  // nano-cores since the last sample of `key` (0 on the first).
  uint64_t Rate(const std::string& key, uint64_t usage_ns, int64_t now_ns) {
    std::lock_guard lock(mu_);
    auto& prev = samples_[key];
    uint64_t rate = 0;
    if (prev.first > 0 && now_ns > prev.first && usage_ns >= prev.second) {
      rate = static_cast<uint64_t>(static_cast<double>(usage_ns - prev.second) * 1e9 /
                                   static_cast<double>(now_ns - prev.first));
    }
    // Keep the older sample when asked again within a second (steadier).
    if (now_ns - prev.first > 1000000000LL) prev = {now_ns, usage_ns};
    if (samples_.size() > 10000) samples_.clear();
    return rate;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::pair<int64_t, uint64_t>> samples_;
};

CpuRates& Rates() {
  static CpuRates rates;
  return rates;
}

json::Value CpuJson(const std::string& key, const CgroupStats& s, int64_t now) {
  return json::Object{
      {"time", Rfc3339(now)},
      {"usageNanoCores", static_cast<int64_t>(Rates().Rate(key, s.cpu_usage_ns, now))},
      {"usageCoreNanoSeconds", static_cast<int64_t>(s.cpu_usage_ns)}};
}

json::Value MemoryJson(const CgroupStats& s, int64_t now, int64_t limit) {
  json::Object m{{"time", Rfc3339(now)},
                 {"usageBytes", static_cast<int64_t>(s.memory_usage_bytes)},
                 {"workingSetBytes", static_cast<int64_t>(s.memory_working_set_bytes)},
                 {"rssBytes", static_cast<int64_t>(s.memory_rss_bytes)}};
  if (limit > 0) {
    m.Set("availableBytes",
          std::max<int64_t>(0, limit - static_cast<int64_t>(s.memory_working_set_bytes)));
  }
  return m;
}

// Node totals from /proc: CPU time of all CPUs, memory in use.
CgroupStats NodeStats(int64_t* mem_total) {
  CgroupStats s;
  auto stat = ReadFile("/proc/stat");
  if (stat.ok()) {
    std::istringstream in(*stat);
    std::string cpu;
    uint64_t v[8] = {};
    in >> cpu >> v[0] >> v[1] >> v[2] >> v[3] >> v[4] >> v[5] >> v[6] >> v[7];
    static const long hz = sysconf(_SC_CLK_TCK);
    // user nice system (idle iowait) irq softirq steal
    uint64_t busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    s.has_cpu = true;
    s.cpu_usage_ns = busy * (1000000000ULL / static_cast<uint64_t>(hz));
  }
  auto mem = ReadFile("/proc/meminfo");
  if (mem.ok()) {
    int64_t total = 0, avail = 0;
    std::istringstream in(*mem);
    std::string key;
    int64_t value;
    std::string unit;
    while (in >> key >> value) {
      std::getline(in, unit);
      if (key == "MemTotal:") total = value * 1024;
      if (key == "MemAvailable:") avail = value * 1024;
    }
    s.has_memory = true;
    s.memory_usage_bytes = static_cast<uint64_t>(total - avail);
    s.memory_working_set_bytes = s.memory_usage_bytes;
    *mem_total = total;
  }
  return s;
}

}  // namespace

bool Agent::Authorize(const HttpRequest& req, ResponseWriter& w, const std::string& ns,
                      const std::string& name, Access access) {
  Status st = tokens_->Check(req.BearerToken(), ns, name, access);
  if (st.ok()) return true;
  switch (st.code()) {
    case StatusCode::kUnauthenticated:
      w.Send(401, "text/plain", "Unauthorized\n");
      break;
    case StatusCode::kPermissionDenied:
      w.Send(403, "text/plain", "Forbidden: " + st.message() + "\n");
      break;
    default:
      w.Send(503, "text/plain",
             "cannot check the token with the API server: " + st.message() + "\n");
      break;
  }
  return false;
}

std::optional<Agent::ContainerRef> Agent::ResolveContainer(const HttpRequest& req,
                                                           ResponseWriter& w, const char* route,
                                                           Access access) {
  auto parts = SplitPath(req.path);
  if (parts.size() != 4) {
    w.Send(400, "text/plain",
           std::string("expected /") + route + "/<namespace>/<pod>/<container>, got " + req.path +
               "\n");
    return std::nullopt;
  }
  ContainerRef ref{parts[1], parts[2], parts[3], nullptr, nullptr, nullptr};
  if (!Authorize(req, w, ref.ns, ref.name, access)) return std::nullopt;
  ref.worker = FindWorker(ref.ns, ref.name);
  if (!ref.worker) {
    w.Send(404, "text/plain",
           "pod " + ref.ns + "/" + ref.name + " not found on node " + options_.node_name + "\n");
    return std::nullopt;
  }
  ref.pod = ref.worker->pod();
  for (const auto* list : {&ref.pod->spec().containers(), &ref.pod->spec().init_containers()}) {
    for (const auto& c : *list) {
      if (c.name() == ref.container) ref.spec = &c;
    }
  }
  if (ref.spec == nullptr) {
    w.Send(400, "text/plain",
           "container " + ref.container + " is not valid for pod " + ref.name + "\n");
    return std::nullopt;
  }
  return ref;
}

void Agent::ServeLogs(const HttpRequest& req, ResponseWriter& w) {
  auto ref = ResolveContainer(req, w, "containerLogs", Access::kRead);
  if (!ref) return;
  const std::string &ns = ref->ns, &name = ref->name, &container = ref->container;
  const auto& worker = ref->worker;
  int64_t tail = -1, limit = -1;
  if (!NonNegative(req, "tailLines", &tail) || !NonNegative(req, "limitBytes", &limit)) {
    w.Send(400, "text/plain", "tailLines and limitBytes must be non-negative integers\n");
    return;
  }
  bool follow = Truthy(req.Param("follow"));
  bool previous = Truthy(req.Param("previous"));
  std::string dir = PodLogDir(options_.root_dir + "/logs", ns, name, worker->uid());
  auto attempts = LogAttempts(dir, container);
  if (previous ? attempts.size() < 2 : attempts.empty()) {
    w.Send(400, "text/plain",
           previous ? "previous terminated container \"" + container + "\" in pod \"" + name +
                          "\" not found\n"
                    : "container \"" + container + "\" in pod \"" + name +
                          "\" is waiting to start: ContainerCreating\n");
    return;
  }
  int attempt = previous ? attempts[attempts.size() - 2] : attempts.back();
  std::string path = ContainerLogPath(dir, container, attempt);
  auto text = ReadFile(path);
  if (!text.ok()) {
    w.Send(404, "text/plain", text.status().message() + "\n");
    return;
  }
  size_t offset = text->size();
  std::string out = TailLines(*text, tail);
  if (limit >= 0 && out.size() > static_cast<size_t>(limit)) out.resize(static_cast<size_t>(limit));
  if (!follow || previous) {
    w.Send(200, "text/plain", out);
    return;
  }
  // Follow: stream what is appended until the instance ends (and its output
  // is drained), the client goes, or the agent stops.
  int64_t sent = static_cast<int64_t>(out.size());
  if (!w.BeginStream(200, "text/plain") || !w.Write(out)) return;
  auto running = [&]() {
    for (const auto& h : worker->RunningInstances()) {
      if (h.name == container && h.attempt == attempt) return true;
    }
    return false;
  };
  for (;;) {
    bool alive = running();
    bool drained = false;
    while (!drained) {
      std::ifstream f(path, std::ios::binary);
      if (!f) return;
      f.seekg(static_cast<std::streamoff>(offset));
      std::string chunk(64 * 1024, '\0');
      f.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      chunk.resize(static_cast<size_t>(f.gcount()));
      drained = chunk.empty();
      if (drained) break;
      offset += chunk.size();
      if (limit >= 0) {
        if (sent >= limit) return;
        if (sent + static_cast<int64_t>(chunk.size()) > limit)
          chunk.resize(static_cast<size_t>(limit - sent));
      }
      sent += static_cast<int64_t>(chunk.size());
      if (!w.Write(chunk)) return;
    }
    if (!alive || worker->Done()) return;
    if (w.WaitClosed(200)) return;
  }
}

// POST /exec/<namespace>/<pod>/<container>?command=a&command=b[&timeoutSeconds=N]
// with the command's stdin as the body. Runs the command to completion in
// the container's namespaces and cgroup with the container's environment
// and working directory; answers 200 with the exit code and the stdout
// length in headers (X-Skiff-Exit-Code, X-Skiff-Stdout-Bytes) and the body
// stdout then stderr. Needs `create pods/exec` on the pod.
void Agent::ServeExec(const HttpRequest& req, ResponseWriter& w) {
  auto ref = ResolveContainer(req, w, "exec", Access::kExec);
  if (!ref) return;
  const std::string& container = ref->container;
  std::vector<std::string> command = req.Params("command");
  if (command.empty() || command[0].empty()) {
    w.Send(400, "text/plain", "exec: no command (want ?command=...)\n");
    return;
  }
  int64_t timeout_s = 0;
  if (!NonNegative(req, "timeoutSeconds", &timeout_s)) {
    w.Send(400, "text/plain", "timeoutSeconds must be a non-negative integer\n");
    return;
  }
  std::optional<ContainerHandle> handle;
  for (const auto& h : ref->worker->RunningInstances()) {
    if (h.name == container && !h.pause) handle = h;
  }
  if (!handle) {
    w.Send(400, "text/plain",
           "unable to upgrade connection: container not found (\"" + container + "\")\n");
    return;
  }
  ExecOptions o;
  // The container's own environment, as its main process has it.
  auto environ = ReadFile("/proc/" + std::to_string(handle->process.pid) + "/environ");
  if (environ.ok()) {
    std::istringstream in(*environ);
    for (std::string kv; std::getline(in, kv, '\0');) {
      if (!kv.empty()) o.env.push_back(kv);
    }
  }
  o.working_dir = ref->spec->working_dir();
  o.stdin_data = req.body;
  o.timeout = timeout_s > 0 ? std::chrono::milliseconds(timeout_s * 1000) : std::chrono::hours(1);
  o.max_output = 16 << 20;
  auto r = runtime_->Exec(*handle, command, o);
  if (!r.ok()) {
    w.Send(r.status().code() == StatusCode::kFailedPrecondition ? 400 : 500, "text/plain",
           r.status().message() + "\n");
    return;
  }
  if (r->timed_out) {
    w.Send(504, "text/plain",
           "command did not finish within " + std::to_string(timeout_s) + " s\n");
    return;
  }
  w.Send(200, "application/octet-stream", r->stdout_data + r->stderr_data,
         {{"X-Skiff-Exit-Code", std::to_string(r->exit_code)},
          {"X-Skiff-Stdout-Bytes", std::to_string(r->stdout_data.size())}});
}

void Agent::ServeStats(const HttpRequest& req, ResponseWriter& w) {
  if (!Authorize(req, w, "", options_.node_name)) return;
  int64_t now = NowNanos();
  int64_t mem_total = 0;
  CgroupStats node_stats = NodeStats(&mem_total);
  json::Object node{{"nodeName", options_.node_name},
                    {"cpu", CpuJson("node", node_stats, now)},
                    {"memory", MemoryJson(node_stats, now, mem_total)}};
  json::Array pods;
  std::vector<std::shared_ptr<PodWorker>> workers;
  {
    std::lock_guard lock(mu_);
    for (const auto& [uid, w] : workers_)
      workers.push_back(w);
  }
  for (const auto& wk : workers) {
    auto pod = wk->pod();
    std::string cgroup = wk->PodCgroup();
    if (!pod || cgroup.empty()) continue;
    json::Array containers;
    for (const auto& h : wk->RunningInstances()) {
      CgroupStats cs = runtime_->Stats(h);
      int64_t limit = 0;
      for (const auto& c : pod->spec().containers()) {
        if (c.name() != h.name) continue;
        auto r = ResourcesOf(c);
        if (r.ok()) limit = r->limits.memory_bytes;
      }
      containers.emplace_back(json::Object{{"name", h.name},
                                           {"startTime", Rfc3339(h.started_at_ns)},
                                           {"cpu", CpuJson(h.cgroup, cs, now)},
                                           {"memory", MemoryJson(cs, now, limit)}});
    }
    CgroupStats ps = cgroups_->Stats(cgroup);
    json::Object entry{{"podRef", json::Object{{"name", pod->metadata().name()},
                                               {"namespace", pod->metadata().namespace_()},
                                               {"uid", pod->metadata().uid()}}},
                       {"containers", std::move(containers)},
                       {"cpu", CpuJson(cgroup, ps, now)},
                       {"memory", MemoryJson(ps, now, 0)}};
    if (pod->status().has_start_time()) {
      entry.Set("startTime", Rfc3339(FromTimestamp(pod->status().start_time())));
    }
    pods.emplace_back(std::move(entry));
  }
  json::Object out{{"node", std::move(node)}, {"pods", std::move(pods)}};
  w.Send(200, "application/json", json::Serialize(json::Value(std::move(out)), {2}) + "\n");
}

void Agent::ServePods(const HttpRequest& req, ResponseWriter& w) {
  if (!Authorize(req, w, "", options_.node_name)) return;
  std::string out = "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[";
  std::vector<std::shared_ptr<PodWorker>> workers;
  {
    std::lock_guard lock(mu_);
    for (const auto& [uid, wk] : workers_)
      workers.push_back(wk);
  }
  bool first = true;
  for (const auto& wk : workers) {
    auto pod = wk->pod();
    if (!pod || wk->Done()) continue;
    api::Pod copy = *pod;
    copy.set_api_version("v1");
    copy.set_kind("Pod");
    std::string item;
    google::protobuf::util::JsonPrintOptions o;
    if (!google::protobuf::util::MessageToJsonString(copy, &item, o).ok()) continue;
    out += (first ? "" : ",") + item;
    first = false;
  }
  out += "]}\n";
  w.Send(200, "application/json", out);
}

}  // namespace skiff::node
