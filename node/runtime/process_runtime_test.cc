// The process runtime with the real skiff-shim: containers as processes in
// their own cgroups and namespaces, exit codes, exec, OOM, adoption by a new
// runtime instance, and cleanup. Root only; every cgroup lives under
// "sknode-rt-<pid>" and is removed, also on failure.
#include "node/runtime/process_runtime.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

#include "node/runtime/fs.h"

namespace skiff::node {
namespace {

using namespace std::chrono_literals;

std::string ShimPath() {
  const char* dir = std::getenv("SKIFF_BIN_DIR");
  return std::string(dir ? dir : "build/bin") + "/skiff-shim";
}

// Collects one exit.
struct ExitWaiter {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<ContainerExit> exit;
  std::function<void(const ContainerExit&)> Callback() {
    return [this](const ContainerExit& e) {
      std::lock_guard lock(mu);
      exit = e;
      cv.notify_all();
    };
  }
  std::optional<ContainerExit> Wait(std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, timeout, [&] { return exit.has_value(); });
    return exit;
  }
};

class ProcessRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    auto d = CgroupDriver::Detect();
    if (!d.ok()) GTEST_SKIP() << "no usable cgroups: " << d.status().ToString();
    driver_ = *d;
    char tmpl[] = "/tmp/sknode-rt-XXXXXX";
    dir_ = mkdtemp(tmpl);
    parent_ = "sknode-rt-" + std::to_string(getpid());
    ASSERT_TRUE(driver_->Create(parent_, true).ok());
    ProcessRuntimeOptions o;
    o.shim_path = ShimPath();
    o.state_dir = dir_ + "/containers";
    runtime_ = std::make_unique<ProcessRuntime>(o, *driver_);
  }
  void TearDown() override {
    runtime_.reset();
    if (driver_) {
      (void)driver_->KillAll(parent_);
      EXPECT_TRUE(driver_->Remove(parent_).ok());
    }
    if (!dir_.empty()) (void)RemoveTree(dir_);
  }

  ContainerConfig Config(const std::string& name, std::vector<std::string> args) {
    ContainerConfig c;
    c.pod_uid = "uid-" + name;
    c.name = name;
    c.args = std::move(args);
    c.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=hello"};
    c.hostname = "pod-" + name;
    c.log_path = dir_ + "/" + name + ".log";
    c.cgroup_parent = parent_;
    return c;
  }
  std::string Log(const std::string& name) {
    auto r = ReadFile(dir_ + "/" + name + ".log");
    return r.ok() ? *r : "";
  }

  std::optional<CgroupDriver> driver_;
  std::string dir_, parent_;
  std::unique_ptr<ProcessRuntime> runtime_;
};

TEST_F(ProcessRuntimeTest, RunsToCompletionWithExitCodeAndLog) {
  auto h = runtime_->Start(Config(
      "c1", {"sh", "-c", "echo $GREETING from $$ on $(cat /proc/sys/kernel/hostname); exit 3"}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ExitWaiter w;
  ASSERT_TRUE(runtime_->Watch(*h, w.Callback()).ok());
  auto e = w.Wait();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 3);
  EXPECT_EQ(e->signal, 0);
  EXPECT_FALSE(e->oom_killed);
  EXPECT_GT(e->finished_at_ns, h->started_at_ns);
  // Its own PID namespace (it is PID 1) and UTS namespace.
  EXPECT_EQ(Log("c1"), "hello from 1 on pod-c1\n");
  EXPECT_TRUE(runtime_->Remove(*h).ok());
  EXPECT_FALSE(driver_->Exists(h->cgroup));
  EXPECT_TRUE(runtime_->List().empty());
}

TEST_F(ProcessRuntimeTest, MissingCommandIsAUserErrorAndLeavesNothing) {
  auto h = runtime_->Start(Config("c2", {"no-such-command-xyz", "arg"}));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(h.status().message(),
            "exec: \"no-such-command-xyz\": executable file not found in $PATH");
  auto abs = runtime_->Start(Config("c3", {"/nonexistent/bin/x"}));
  ASSERT_FALSE(abs.ok());
  EXPECT_NE(abs.status().message().find("no such file or directory"), std::string::npos)
      << abs.status().message();
  ContainerConfig bad_cwd = Config("c4", {"true"});
  bad_cwd.working_dir = "/nonexistent-dir";
  auto cwd = runtime_->Start(bad_cwd);
  ASSERT_FALSE(cwd.ok());
  EXPECT_NE(cwd.status().message().find("/nonexistent-dir"), std::string::npos);
  EXPECT_TRUE(runtime_->List().empty());
  EXPECT_TRUE(driver_->Children(parent_).empty());
}

TEST_F(ProcessRuntimeTest, SignalsAndGracefulStop) {
  // PID 1 ignores SIGTERM unless it handles it: the shell traps it.
  auto h = runtime_->Start(
      Config("c5", {"sh", "-c", "trap 'echo bye; exit 0' TERM; while true; do sleep 0.1; done"}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ExitWaiter w;
  ASSERT_TRUE(runtime_->Watch(*h, w.Callback()).ok());
  EXPECT_TRUE(runtime_->Running(*h));
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(runtime_->Signal(*h, SIGTERM).ok());
  auto e = w.Wait();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 0);
  EXPECT_NE(Log("c5").find("bye"), std::string::npos);
  EXPECT_FALSE(runtime_->Running(*h));
  EXPECT_TRUE(runtime_->Remove(*h).ok());

  auto k = runtime_->Start(Config("c6", {"sleep", "100"}));
  ASSERT_TRUE(k.ok());
  ExitWaiter wk;
  ASSERT_TRUE(runtime_->Watch(*k, wk.Callback()).ok());
  ASSERT_TRUE(runtime_->Signal(*k, SIGKILL).ok());
  auto ek = wk.Wait();
  ASSERT_TRUE(ek);
  EXPECT_EQ(ek->exit_code, 137);
  EXPECT_EQ(ek->signal, SIGKILL);
  EXPECT_FALSE(ek->oom_killed);
  EXPECT_TRUE(runtime_->Remove(*k).ok());
}

TEST_F(ProcessRuntimeTest, ExecRunsInsideTheContainer) {
  auto h = runtime_->Start(Config("c7", {"sleep", "100"}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ExecOptions o;
  o.env = {"PATH=/usr/bin:/bin", "FOO=bar"};
  o.timeout = 5s;
  auto r = runtime_->Exec(*h,
                          {"sh", "-c",
                           "echo $FOO $(cat /proc/sys/kernel/hostname); ps -o pid= -p 1 >/dev/null "
                           "2>&1; cat /proc/1/comm"},
                          o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0);
  // Same UTS and PID namespace: PID 1 there is the container's sleep.
  EXPECT_EQ(r->output, "bar pod-c7\nsleep\n");
  auto f = runtime_->Exec(*h, {"sh", "-c", "echo failing >&2; exit 4"}, o);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->exit_code, 4);
  EXPECT_EQ(f->output, "failing\n");
  o.timeout = 300ms;
  auto t = runtime_->Exec(*h, {"sleep", "5"}, o);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->timed_out);
  o.timeout = 5s;
  auto missing = runtime_->Exec(*h, {"no-such-probe-cmd"}, o);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->exit_code, 127);
  EXPECT_NE(missing->output.find("executable file not found"), std::string::npos);
  EXPECT_TRUE(runtime_->Remove(*h).ok());
  EXPECT_FALSE(driver_->Exists(h->cgroup));
}

TEST_F(ProcessRuntimeTest, MemoryLimitOomKills) {
  ContainerConfig c = Config("c8", {"sh", "-c", "x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done"});
  c.resources = ResourcesFromMilliCpu(100, 500, 32 << 20);
  auto h = runtime_->Start(c);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ExitWaiter w;
  ASSERT_TRUE(runtime_->Watch(*h, w.Callback()).ok());
  auto e = w.Wait(30s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->signal, SIGKILL);
  EXPECT_TRUE(e->oom_killed);
  EXPECT_TRUE(runtime_->Remove(*h).ok());
}

TEST_F(ProcessRuntimeTest, LimitsLandInTheCgroup) {
  ContainerConfig c = Config("c9", {"sleep", "100"});
  c.resources = ResourcesFromMilliCpu(250, 500, 64 << 20);
  auto h = runtime_->Start(c);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  auto pids = driver_->Pids(h->cgroup);
  ASSERT_EQ(pids.size(), 1u);
  EXPECT_EQ(pids[0], h->process.pid);
  if (!driver_->v2()) {
    auto quota = ReadFile("/sys/fs/cgroup/cpu/" + h->cgroup + "/cpu.cfs_quota_us");
    if (quota.ok()) {
      EXPECT_EQ(*quota, "50000\n");
    }
    auto mem = ReadFile("/sys/fs/cgroup/memory/" + h->cgroup + "/memory.limit_in_bytes");
    if (mem.ok()) {
      EXPECT_EQ(*mem, "67108864\n");
    }
  }
  CgroupStats s = runtime_->Stats(*h);
  EXPECT_TRUE(s.has_memory);
  EXPECT_GT(s.memory_usage_bytes, 0u);
  EXPECT_TRUE(runtime_->Remove(*h).ok());
  EXPECT_FALSE(ProcessAlive(h->process));
}

TEST_F(ProcessRuntimeTest, ANewRuntimeAdoptsAndLearnsTheExitCode) {
  auto h = runtime_->Start(Config("c10", {"sh", "-c", "read x < /proc/self/fd/0; sleep 100"}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  // The agent goes away; the container and its shim stay.
  ProcessRuntimeOptions o;
  o.shim_path = ShimPath();
  o.state_dir = dir_ + "/containers";
  runtime_ = std::make_unique<ProcessRuntime>(o, *driver_);
  auto listed = runtime_->List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, h->id);
  EXPECT_EQ(listed[0].process, h->process);
  EXPECT_TRUE(runtime_->Running(listed[0]));
  ExitWaiter w;
  ASSERT_TRUE(runtime_->Watch(listed[0], w.Callback()).ok());
  ASSERT_TRUE(runtime_->Signal(listed[0], SIGKILL).ok());
  auto e = w.Wait();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 137);
  EXPECT_FALSE(e->unknown);
  EXPECT_TRUE(runtime_->Remove(listed[0]).ok());
}

TEST_F(ProcessRuntimeTest, HostPidLeftoversAreKilledOnRemove) {
  ContainerConfig c = Config("c11", {"sh", "-c", "sleep 100 & echo started; exit 0"});
  c.pid_ns = "host";
  auto h = runtime_->Start(c);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ExitWaiter w;
  ASSERT_TRUE(runtime_->Watch(*h, w.Callback()).ok());
  auto e = w.Wait();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->exit_code, 0);
  EXPECT_FALSE(driver_->Pids(h->cgroup).empty()) << "the background sleep is still there";
  EXPECT_TRUE(runtime_->Remove(*h).ok());
  EXPECT_FALSE(driver_->Exists(h->cgroup));
}

TEST_F(ProcessRuntimeTest, PauseHoldsASharedPidNamespace) {
  ContainerConfig p = Config("pause", {});
  p.name = "";
  p.pause = true;
  p.args.clear();
  auto pause = runtime_->Start(p);
  ASSERT_TRUE(pause.ok()) << pause.status().ToString();
  ContainerConfig c =
      Config("c12", {"sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $$"});
  c.pid_ns = "/proc/" + std::to_string(pause->process.pid) + "/ns/pid";
  auto h = runtime_->Start(c);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ExitWaiter w;
  ASSERT_TRUE(runtime_->Watch(*h, w.Callback()).ok());
  ASSERT_TRUE(w.Wait());
  std::string log = Log("c12");
  // PID 1 is the pause process (the shim binary), the container is not PID 1.
  EXPECT_NE(log.find("skiff-shim"), std::string::npos) << log;
  EXPECT_EQ(log.find("\n1\n"), std::string::npos) << log;
  EXPECT_TRUE(runtime_->Remove(*h).ok());
  ExitWaiter wp;
  ASSERT_TRUE(runtime_->Watch(*pause, wp.Callback()).ok());
  ASSERT_TRUE(runtime_->Signal(*pause, SIGTERM).ok());
  auto ep = wp.Wait();
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->exit_code, 0);
  EXPECT_TRUE(runtime_->Remove(*pause).ok());
}

}  // namespace
}  // namespace skiff::node
