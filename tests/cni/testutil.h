// Helpers for the privileged CNI tests and the CNI benchmark: network
// namespaces that clean themselves up, running a plugin inside a chosen
// "host" namespace exactly as a runtime would, running code or TCP probes
// inside a namespace, and inspecting kernel state with `ip`.
//
// Every namespace name carries the "skcni" prefix, the pid and a counter so
// parallel test processes never collide.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/json/json.h"

namespace skiff::cni::testing {

// A named network namespace (/run/netns/<name>), deleted with everything in
// it on destruction.
class TestNetns {
 public:
  // `tag` makes names readable ("h" for a host, "p" for a pod).
  explicit TestNetns(const std::string& tag);
  ~TestNetns();
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;

  const std::string& name() const { return name_; }
  const std::string& path() const { return path_; }
  bool ok() const { return ok_; }
  // Deletes it early (to test DEL with a vanished namespace).
  void Remove();

 private:
  std::string name_;
  std::string path_;
  bool ok_ = false;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  double wall_ms = 0;  // fork to exit
  double cpu_ms = 0;   // user+sys of the process and its children
};

// Runs `argv` (argv[0] is the path) with `env` and `stdin_data` inside the
// network namespace at `netns_path` ("" for the current one), optionally
// pinned to `cpu` (-1: not pinned). Killed after `timeout`. One thread, no
// helper threads: cheap enough to time plugin invocations with.
CommandResult RunIn(const std::string& netns_path, const std::vector<std::string>& argv,
                    const std::vector<std::string>& env, const std::string& stdin_data,
                    std::chrono::seconds timeout = std::chrono::seconds(60), int cpu = -1);

// Starts `argv` in the background inside `netns_path` ("" for the current
// namespace), stdout/stderr appended to `log_path`, in its own session.
// Returns the pid or -1.
int SpawnIn(const std::string& netns_path, const std::vector<std::string>& argv,
            const std::vector<std::string>& env, const std::string& log_path);
// SIGTERM, then SIGKILL after `grace`; reaps the process.
void StopProcess(int pid, std::chrono::milliseconds grace = std::chrono::seconds(10));

// `sh -c cmd` in the namespace (for inspection with ip/nft/tc).
CommandResult Sh(const std::string& netns_path, const std::string& cmd);

// Runs fn on a thread that has entered `netns_path`; returns fn's result.
bool InNetns(const std::string& netns_path, const std::function<bool()>& fn);

// Binds a TCP listener in `netns_path` on addr:port and returns its fd (or -1).
int Listen(const std::string& netns_path, const std::string& addr, int port);
// Accepts one connection on `fd`, echoes one line back, closes it.
bool AcceptEchoOnce(int fd, std::chrono::milliseconds timeout);
// Connects from `netns_path` to addr:port, sends a line and expects it back.
bool ConnectEcho(const std::string& netns_path, const std::string& addr, int port,
                 std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

// The skiff-cni binary: $SKIFF_BIN_DIR/skiff-cni (ctest sets it).
std::string PluginPath();
std::string BinDir();

// A fresh directory under /tmp, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// One plugin invocation as a runtime performs it.
struct PluginCall {
  std::string plugin;  // path
  std::string command;
  std::string container_id;
  std::string netns;  // CNI_NETNS
  std::string ifname = "eth0";
  std::string args;                   // CNI_ARGS
  std::string path = "/usr/lib/cni";  // CNI_PATH
  std::string host_netns;             // namespace to run the plugin in
  std::string config;                 // stdin
  int cpu = -1;
};

struct PluginResult {
  int exit_code = -1;
  std::string out;
  double wall_ms = 0;
  double cpu_ms = 0;
  json::Value json;        // parsed stdout (null when empty/invalid)
  int error_code() const;  // "code" of an error reply, 0 otherwise
  std::string error_msg() const;
};

PluginResult Invoke(const PluginCall& call);

// Files in a directory (names only, no . and ..); empty when absent.
std::vector<std::string> ListDir(const std::string& dir);

}  // namespace skiff::cni::testing
