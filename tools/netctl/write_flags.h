// What the commands that write objects (label, annotate, patch, create,
// expose) share with kubectl: --dry-run=none|client|server, -o yaml|json|name,
// the result line ("deployment.apps/web patched (server dry run)"), and
// flags kubectl takes as string arrays (values kept whole, commas included).
#pragma once

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <vector>

#include "common/flags.h"
#include "tools/netctl/context.h"

namespace skiff::netctl {

enum class DryRun { kNone, kClient, kServer };

struct WriteFlags {
  std::string dry_run = "none";
  std::string output;

  // Registers --dry-run, -o/--output.
  void Add(FlagSet& flags);
  // INVALID_ARGUMENT naming the flag for an unknown --dry-run or -o value.
  Result<DryRun> Check() const;
};

// Bare "--dry-run" means "--dry-run=client", as in kubectl (the flag never
// takes the next argument as its value).
std::vector<std::string> NormalizeDryRun(const std::vector<std::string>& args);

// Adds the global and write flags, parses `args` (bare --dry-run meaning
// client) and returns the positional arguments; nullopt when the command is
// over: *code is 0 after --help, 1 after a flag or --dry-run/-o error
// (printed). After it, write.Check() is OK.
std::optional<std::vector<std::string>> ParseWriteFlags(Context& ctx, FlagSet& flags,
                                                        WriteFlags& write,
                                                        const std::vector<std::string>& args,
                                                        int* code);

// Removes every "--NAME=V" / "--NAME V" before a "--" from *args and
// returns the values whole (FlagSet's List splits at commas; kubectl's
// --from-literal=k=a,b is one value). INVALID_ARGUMENT when the value is
// missing.
Result<std::vector<std::string>> TakeArrayFlag(std::vector<std::string>* args,
                                               std::string_view name);

// Prints what a write did: with -o the object (yaml, json) or its name,
// else "<kind.group/name> <verb>" plus " (dry run)" / " (server dry run)".
void PrintWriteResult(Context& ctx, const api::KindInfo& kind,
                      const google::protobuf::Message& object, const std::string& output,
                      const std::string& verb, DryRun dry_run);

// Reports a failure for one object: problems found on this side as
// "error: <ref>: <message>" (kubectl's style for them), the server's with
// its "Error from server (...)" prefix.
void ReportObjectError(Context& ctx, const std::string& ref, const Status& status, bool local);

}  // namespace skiff::netctl
