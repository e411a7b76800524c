// netctl's commands. Each takes the arguments after its name, parses its own
// flags (plus the global ones) and returns the process exit code.
#pragma once

#include <string>
#include <vector>

#include "tools/netctl/context.h"

namespace skiff::netctl {

using Args = std::vector<std::string>;

int RunApply(Context& ctx, const Args& args);
int RunGet(Context& ctx, const Args& args);
int RunDescribe(Context& ctx, const Args& args);
int RunDelete(Context& ctx, const Args& args);
int RunVersion(Context& ctx, const Args& args);
int RunScale(Context& ctx, const Args& args);
int RunRollout(Context& ctx, const Args& args);
int RunSecrets(Context& ctx, const Args& args);
int RunCreate(Context& ctx, const Args& args);
int RunAuth(Context& ctx, const Args& args);
int RunLb(Context& ctx, const Args& args);        // lb.cc
int RunLabel(Context& ctx, const Args& args);     // label.cc
int RunAnnotate(Context& ctx, const Args& args);  // label.cc
int RunPatch(Context& ctx, const Args& args);     // patch.cc
int RunExpose(Context& ctx, const Args& args);    // expose.cc

}  // namespace skiff::netctl
