#include "node/runtime/process_runtime.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "cni/spec/exec.h"
#include "common/json/json.h"
#include "common/log.h"
#include "common/random.h"
#include "node/runtime/fs.h"
#include "node/shim/config.h"

namespace skiff::node {
namespace {

std::string NewId() {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(RandomU64()),
                static_cast<unsigned long long>(RandomU64()));
  return buf;
}

int64_t NowNanos() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

std::string CgroupName(const ContainerConfig& c) {
  return c.pause ? "pause" : "ctr-" + c.name + "-" + std::to_string(c.attempt);
}

}  // namespace

std::string EncodeHandle(const ContainerHandle& h) {
  json::Object o{{"id", h.id},
                 {"podUID", h.pod_uid},
                 {"name", h.name},
                 {"attempt", h.attempt},
                 {"pid", static_cast<int64_t>(h.process.pid)},
                 {"startTicks", static_cast<int64_t>(h.process.start_ticks)},
                 {"shimPid", static_cast<int64_t>(h.monitor.pid)},
                 {"shimStartTicks", static_cast<int64_t>(h.monitor.start_ticks)},
                 {"startedAt", h.started_at_ns},
                 {"cgroup", h.cgroup},
                 {"logPath", h.log_path},
                 {"pause", h.pause}};
  return json::Serialize(json::Value(std::move(o)));
}

Result<ContainerHandle> DecodeHandle(std::string_view text) {
  auto v = json::Parse(text);
  if (!v.ok()) return v.status();
  auto str = [&](const char* k) {
    const json::Value* f = v->Find(k);
    return f && f->is_string() ? f->as_string() : std::string();
  };
  auto num = [&](const char* k) -> int64_t {
    const json::Value* f = v->Find(k);
    return f && f->is_int() ? f->as_int() : 0;
  };
  ContainerHandle h;
  h.id = str("id");
  h.pod_uid = str("podUID");
  h.name = str("name");
  h.attempt = static_cast<int>(num("attempt"));
  h.process = {static_cast<pid_t>(num("pid")), static_cast<uint64_t>(num("startTicks"))};
  h.monitor = {static_cast<pid_t>(num("shimPid")), static_cast<uint64_t>(num("shimStartTicks"))};
  h.started_at_ns = num("startedAt");
  h.cgroup = str("cgroup");
  h.log_path = str("logPath");
  const json::Value* p = v->Find("pause");
  h.pause = p && p->is_bool() && p->as_bool();
  if (h.id.empty()) return InvalidArgument("container handle without id");
  return h;
}

std::string ProcessRuntime::DefaultShimPath() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    std::string self(buf, static_cast<size_t>(n));
    std::string candidate = self.substr(0, self.rfind('/') + 1) + "skiff-shim";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  for (const char* dir : {"/usr/local/bin", "/usr/bin", "/usr/local/sbin", "/usr/sbin"}) {
    std::string candidate = std::string(dir) + "/skiff-shim";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "skiff-shim";
}

ProcessRuntime::ProcessRuntime(ProcessRuntimeOptions options, const CgroupDriver& cgroups)
    : options_(std::move(options)), cgroups_(cgroups) {}

ProcessRuntime::~ProcessRuntime() = default;

Result<ProcessId> ProcessRuntime::SpawnShim(const std::string& dir, std::string* report_line) {
  int sync[2];
  if (pipe2(sync, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + strerror(errno));
  std::string config = dir + "/config.json";
  std::string shim_log = dir + "/shim.log";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, shim_log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0640);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_adddup2(&fa, sync[1], 3);
  posix_spawn_file_actions_addclosefrom_np(&fa, 4);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
  std::string run = "run", fd = "3";
  char* argv[] = {const_cast<char*>(options_.shim_path.c_str()), run.data(), config.data(),
                  fd.data(), nullptr};
  char* envp[] = {nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, options_.shim_path.c_str(), &fa, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(sync[1]);
  if (rc != 0) {
    close(sync[0]);
    return Internal("cannot start the container monitor " + options_.shim_path + ": " +
                    strerror(rc) + " (install skiff-shim next to skiff-agent or pass --shim)");
  }
  {
    std::lock_guard lock(mu_);
    children_.insert(pid);
  }
  auto shim_ticks = ProcessStartTicks(pid);
  // One line, then EOF; bounded by start_timeout.
  auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  std::string line;
  char buf[512];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{sync[0], POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    ssize_t r = read(sync[0], buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    line.append(buf, static_cast<size_t>(r));
    if (line.find('\n') != std::string::npos) break;
  }
  close(sync[0]);
  *report_line = line;
  if (line.find('\n') == std::string::npos) {
    kill(pid, SIGKILL);
    Reap(pid, true);
    auto log = ReadFile(shim_log);
    return Internal("the container monitor did not report within " +
                    std::to_string(options_.start_timeout.count()) + " ms" +
                    (log.ok() && !log->empty() ? ": " + *log : std::string()));
  }
  return ProcessId{pid, shim_ticks.ok() ? *shim_ticks : 0};
}

Result<ContainerHandle> ProcessRuntime::Start(const ContainerConfig& c) {
  StageTimes local;
  StageTimes& times = c.times ? *c.times : local;
  auto t = StageTimes::Clock::now();
  ContainerHandle h;
  h.id = NewId();
  h.pod_uid = c.pod_uid;
  h.name = c.name;
  h.attempt = c.attempt;
  h.cgroup = c.cgroup_parent + "/" + CgroupName(c);
  h.log_path = c.log_path;
  h.pause = c.pause;
  std::string dir = Dir(h.id);
  SKIFF_RETURN_IF_ERROR(MakeDirs(dir, 0700));
  auto cleanup = [&]() {
    (void)cgroups_.KillAll(h.cgroup);
    (void)cgroups_.Remove(h.cgroup);
    (void)RemoveTree(dir);
  };
  // A leftover of the same name (an instance whose start failed half-way).
  if (cgroups_.Exists(h.cgroup)) {
    (void)cgroups_.KillAll(h.cgroup);
    (void)cgroups_.Remove(h.cgroup);
  }
  Status st = cgroups_.Create(h.cgroup, false);
  if (st.ok()) st = cgroups_.Apply(h.cgroup, c.resources);
  if (!st.ok()) {
    cleanup();
    return st.WithContext("container cgroup");
  }
  t = times.Since("ctr_cgroup", t);
  shim::ShimConfig sc;
  sc.args = c.args;
  sc.env = c.env;
  sc.cwd = c.working_dir.empty() ? "/" : c.working_dir;
  sc.pid_ns = c.pid_ns;
  sc.net_ns = c.netns_path;
  sc.hostname = c.hostname;
  sc.new_mount_ns = true;
  for (const auto& m : c.mounts)
    sc.mounts.push_back({m.source, m.target, m.read_only});
  sc.cgroup_procs = cgroups_.ProcsFiles(h.cgroup);
  sc.log_path = c.log_path;
  sc.exit_path = dir + "/exit";
  sc.uid = c.run_as_user;
  sc.gid = c.run_as_group;
  sc.supplemental_groups = c.supplemental_groups;
  sc.no_new_privileges = c.no_new_privileges;
  sc.pause = c.pause;
  st = WriteFileAtomic(dir + "/config.json", shim::EncodeShimConfig(sc), 0600);
  if (st.ok()) st = WriteFileAtomic(dir + "/handle.json", EncodeHandle(h), 0600);
  if (!st.ok()) {
    cleanup();
    return st;
  }
  t = times.Since("ctr_config", t);
  std::string line;
  auto shim_id = SpawnShim(dir, &line);
  t = times.Since("shim", t);
  if (!shim_id.ok()) {
    cleanup();
    return shim_id.status();
  }
  auto report = shim::DecodeSyncReport(line);
  if (!report.ok() || !report->ok) {
    Reap(shim_id->pid, true);
    cleanup();
    if (!report.ok()) return Internal("container monitor: " + report.status().message());
    bool user_error = report->stage == "exec" || report->stage == "cwd" ||
                      report->stage == "credentials" || report->stage == "mount";
    return Status(user_error ? StatusCode::kInvalidArgument : StatusCode::kInternal,
                  report->message);
  }
  h.monitor = *shim_id;
  h.process = {static_cast<pid_t>(report->pid), report->start_ticks};
  h.started_at_ns = report->start_ticks ? StartTicksToUnixNanos(report->start_ticks) : NowNanos();
  st = WriteFileAtomic(dir + "/handle.json", EncodeHandle(h), 0600);
  if (!st.ok()) {
    (void)SignalProcess(h.process, SIGKILL);
    Reap(shim_id->pid, true);
    cleanup();
    return st;
  }
  times.Since("ctr_handle", t);
  log::Get("runtime")->debug("started container id={} pod={} name={} pid={}", h.id, c.pod_uid,
                             c.name, h.process.pid);
  return h;
}

ContainerExit ProcessRuntime::ExitOrUnknown(const ContainerHandle& h) {
  auto e = ExitStatus(h);
  if (e.ok()) return *e;
  ContainerExit unknown;
  unknown.unknown = true;
  unknown.exit_code = 137;
  unknown.finished_at_ns = NowNanos();
  return unknown;
}

void ProcessRuntime::WatchProcess(const ContainerHandle& h, const ProcessId& who, bool is_shim,
                                  std::function<void(const ContainerExit&)> on_exit) {
  auto fd = OpenPidfd(who);
  if (!fd.ok()) {
    if (is_shim) Reap(who.pid, false);
    // The monitor is gone: fall back to the container process itself.
    if (is_shim && ProcessAlive(h.process)) {
      WatchProcess(h, h.process, false, std::move(on_exit));
      return;
    }
    monitor_.Post([this, h, on_exit]() { on_exit(ExitOrUnknown(h)); });
    return;
  }
  auto fired = [this, h, who, is_shim, on_exit]() {
    {
      std::lock_guard lock(mu_);
      watches_.erase(h.id);
    }
    // Our own child (started by this agent) is reaped here; an adopted
    // monitor belongs to init.
    if (is_shim) Reap(who.pid, true);
    auto e = ExitStatus(h);
    if (e.ok()) {
      on_exit(*e);
      return;
    }
    if (is_shim && ProcessAlive(h.process)) {
      WatchProcess(h, h.process, false, on_exit);
      return;
    }
    on_exit(ExitOrUnknown(h));
  };
  auto token = monitor_.Add(*fd, fired);
  if (!token.ok()) {
    monitor_.Post([this, h, on_exit]() { on_exit(ExitOrUnknown(h)); });
    return;
  }
  std::lock_guard lock(mu_);
  watches_[h.id] = *token;
}

Status ProcessRuntime::Watch(const ContainerHandle& h,
                             std::function<void(const ContainerExit&)> on_exit) {
  Unwatch(h);
  if (ProcessAlive(h.monitor)) {
    WatchProcess(h, h.monitor, true, std::move(on_exit));
  } else {
    if (h.monitor.valid()) Reap(h.monitor.pid, false);
    WatchProcess(h, h.process, false, std::move(on_exit));
  }
  return Status::Ok();
}

void ProcessRuntime::Unwatch(const ContainerHandle& h) {
  uint64_t token = 0;
  {
    std::lock_guard lock(mu_);
    auto it = watches_.find(h.id);
    if (it == watches_.end()) return;
    token = it->second;
    watches_.erase(it);
  }
  monitor_.Remove(token);
}

void ProcessRuntime::Reap(pid_t pid, bool block) {
  {
    std::lock_guard lock(mu_);
    if (!children_.count(pid)) return;
  }
  pid_t r;
  do {
    r = waitpid(pid, nullptr, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid || (r < 0 && errno == ECHILD)) {
    std::lock_guard lock(mu_);
    children_.erase(pid);
  }
}

bool ProcessRuntime::Running(const ContainerHandle& h) {
  return ProcessAlive(h.process);
}

Status ProcessRuntime::Signal(const ContainerHandle& h, int sig) {
  return SignalProcess(h.process, sig);
}

Result<ContainerExit> ProcessRuntime::ExitStatus(const ContainerHandle& h) {
  auto text = ReadFile(Dir(h.id) + "/exit");
  if (!text.ok()) {
    if (ProcessAlive(h.process)) return NotFound("container " + h.id + " is running");
    return text.status();
  }
  auto rec = shim::DecodeExitRecord(*text);
  if (!rec.ok()) return rec.status();
  ContainerExit e;
  e.exit_code = rec->exit_code;
  e.signal = rec->signal;
  e.finished_at_ns = rec->finished_unix_nanos;
  e.oom_killed = e.signal == SIGKILL && cgroups_.Stats(h.cgroup).oom_kills > 0;
  return e;
}

Result<ExecResult> ProcessRuntime::Exec(const ContainerHandle& h,
                                        const std::vector<std::string>& cmd,
                                        const ExecOptions& options) {
  if (cmd.empty()) return InvalidArgument("exec: empty command");
  if (!ProcessAlive(h.process)) return FailedPrecondition("container is not running");
  shim::ShimConfig sc;
  sc.args = cmd;
  sc.env = options.env;
  sc.cwd = options.working_dir.empty() ? "/" : options.working_dir;
  sc.cgroup_procs = cgroups_.ProcsFiles(h.cgroup);
  sc.target_pid = h.process.pid;
  std::string path = Dir(h.id) + "/exec-" + NewId() + ".json";
  SKIFF_RETURN_IF_ERROR(WriteFileAtomic(path, shim::EncodeShimConfig(sc), 0600));
  cni::ExecRequest req;
  req.path = options_.shim_path;
  req.argv = {options_.shim_path, "exec", path};
  req.timeout = options.timeout;
  req.stdin_data = options.stdin_data;
  req.max_output = std::max<size_t>(options.max_output, 4 << 20);
  auto out = cni::Exec(req);
  unlink(path.c_str());
  ExecResult r;
  if (!out.ok()) {
    if (out.status().code() == StatusCode::kDeadlineExceeded) {
      r.timed_out = true;
      return r;
    }
    return out.status();
  }
  r.exit_code = out->term_signal ? 128 + out->term_signal : out->exit_code;
  r.output = out->out + out->err;
  if (r.output.size() > options.max_output) r.output.resize(options.max_output);
  r.stdout_data = std::move(out->out);
  r.stderr_data = std::move(out->err);
  if (r.stdout_data.size() > options.max_output) r.stdout_data.resize(options.max_output);
  if (r.stderr_data.size() > options.max_output) r.stderr_data.resize(options.max_output);
  return r;
}

Status ProcessRuntime::Remove(const ContainerHandle& h) {
  Unwatch(h);
  if (ProcessAlive(h.process)) (void)SignalProcess(h.process, SIGKILL);
  Status st = cgroups_.KillAll(h.cgroup);
  if (ProcessAlive(h.monitor)) {
    // The monitor records the exit right after the kill; give it a moment.
    for (int i = 0; i < 100 && ProcessAlive(h.monitor); ++i)
      usleep(10000);
    if (ProcessAlive(h.monitor)) (void)SignalProcess(h.monitor, SIGKILL);
  }
  if (h.monitor.valid()) Reap(h.monitor.pid, true);
  Status rm = cgroups_.Remove(h.cgroup);
  if (st.ok()) st = rm;
  Status dir = RemoveTree(Dir(h.id));
  return st.ok() ? dir : st;
}

std::vector<ContainerHandle> ProcessRuntime::List() {
  std::vector<ContainerHandle> out;
  for (const auto& id : ListDir(options_.state_dir)) {
    auto text = ReadFile(Dir(id) + "/handle.json");
    if (!text.ok()) continue;
    auto h = DecodeHandle(*text);
    if (h.ok()) out.push_back(std::move(*h));
  }
  return out;
}

CgroupStats ProcessRuntime::Stats(const ContainerHandle& h) {
  return cgroups_.Stats(h.cgroup);
}

}  // namespace skiff::node
