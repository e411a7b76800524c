// What the `create` generators and `expose` share: turning the object they
// built (as JSON, in the shape `get -o json` prints) into the kind's message,
// and creating it (or, with --dry-run=client, only printing it).
#pragma once

#include <google/protobuf/message.h>

#include <memory>
#include <string>
#include <vector>

#include "common/json/json.h"
#include "tools/netctl/context.h"
#include "tools/netctl/write_flags.h"

namespace skiff::netctl {

// Sets metadata.namespace, when unset, to -n (or "default") for namespaced
// kinds, builds
// the message (INVALID_ARGUMENT naming the field for a bad value), creates it
// unless --dry-run=client, and prints "<ref> <verb>" or the object (-o).
// Returns the exit code; errors are printed.
int CreateFromJson(Context& ctx, json::Value object, const WriteFlags& write,
                   const std::string& verb = "created");

// One Service port from kubectl's "PORT[:TARGET]" (--tcp) spec, named like
// kubectl names it (the spec with ':' turned into '-'); TARGET is a number
// or a port name, and defaults to PORT. INVALID_ARGUMENT naming `flag`.
Result<json::Value> ServicePortFromSpec(const std::string& spec, const std::string& protocol,
                                        const std::string& flag);

// A targetPort: a port number (1-65535) or an IANA port name, as JSON.
// INVALID_ARGUMENT naming `flag`.
Result<json::Value> ParseTargetPort(const std::string& text, const std::string& flag);

// A port number flag value: 1-65535, or INVALID_ARGUMENT naming the flag.
Status CheckPort(int64_t port, const std::string& flag);

}  // namespace skiff::netctl
