// skiff-agent's command line: flags -> AgentOptions. Bad values are
// INVALID_ARGUMENT naming the flag.
#pragma once

#include <string>

#include "common/status.h"
#include "node/agent/agent.h"

namespace skiff::node {

struct CommandLine {
  AgentOptions options;
  std::string config;  // --config
  std::string log_level = "info";
  bool help = false;
  std::string help_text;
};

Result<CommandLine> ParseCommandLine(int argc, char** argv);

}  // namespace skiff::node
