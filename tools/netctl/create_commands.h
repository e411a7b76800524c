// The generators of `netctl create` (create.cc dispatches on the first
// argument). Each takes the arguments after its subcommand word(s) and
// returns the exit code; errors are printed.
#pragma once

#include <optional>

#include "common/flags.h"
#include "tools/netctl/commands.h"
#include "tools/netctl/write_flags.h"

namespace skiff::netctl {

int RunCreateToken(Context& ctx, const Args& args);       // auth.cc
int RunCreateNamespace(Context& ctx, const Args& args);   // create.cc
int RunCreateFromFiles(Context& ctx, const Args& args);   // create.cc (-f)
int RunCreateConfigMap(Context& ctx, const Args& args);   // create_config.cc
int RunCreateSecret(Context& ctx, const Args& args);      // create_config.cc (generic|tls)
int RunCreateDeployment(Context& ctx, const Args& args);  // create_workloads.cc
int RunCreateService(Context& ctx, const Args& args);     // create_workloads.cc
int RunCreateJob(Context& ctx, const Args& args);         // create_job.cc

// The index of the first argument that is neither a flag nor the value of a
// global/output flag given as a separate argument ("-n prod configmap x"):
// the subcommand word. args.size() when there is none.
size_t SubcommandIndex(const Args& args);

// Removes the subcommand word (e.g. "generic" in "secret generic NAME") and
// returns it; "" when missing.
std::string TakeSubcommand(Args* args);

// The single NAME argument of a generator, or nullopt after printing
// "error: exactly one NAME is required, got N".
std::optional<std::string> SingleName(Context& ctx, const Args& positional);

}  // namespace skiff::netctl
