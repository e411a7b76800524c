// skiff-agent: the Skiff node agent. See docs/agent.md.
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "api/client/config.h"
#include "api/client/remote_client.h"
#include "common/log.h"
#include "node/agent/options.h"

int main(int argc, char** argv) {
  auto cl = skiff::node::ParseCommandLine(argc, argv);
  if (!cl.ok()) {
    std::fprintf(stderr, "skiff-agent: %s\n", cl.status().message().c_str());
    return 2;
  }
  if (cl->help) {
    std::fputs(cl->help_text.c_str(), stdout);
    return 0;
  }
  if (!skiff::log::SetLevel(cl->log_level)) {
    std::fprintf(stderr, "skiff-agent: --log-level: unknown level \"%s\"\n", cl->log_level.c_str());
    return 2;
  }
  if (cl->options.node_name.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    cl->options.node_name = host;
  }
  // Blocked in every thread; main waits for them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto config = skiff::api::LoadClientConfig(cl->config);
  if (!config.ok()) {
    std::fprintf(stderr, "skiff-agent: %s\n", config.status().message().c_str());
    return 1;
  }
  auto client = skiff::api::NewRemoteClient(*config);
  cl->options.client_config = *config;
  auto agent = skiff::node::Agent::Start(*client, cl->options);
  if (!agent.ok()) {
    std::fprintf(stderr, "skiff-agent: %s\n", agent.status().ToString().c_str());
    return 1;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  skiff::log::Get("agent")->info(
      "signal {}: stopping; pods keep running and are adopted on restart", sig);
  agent->reset();
  return 0;
}
