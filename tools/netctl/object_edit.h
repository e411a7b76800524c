// Read-modify-write of one object as JSON, shared by label, annotate and
// patch: read the live object, hand its JSON form (as `get -o json` prints
// it) to an edit function, turn the result back into the kind's message and
// update it with the live resourceVersion as precondition. A conflict
// (someone wrote in between) starts over from a fresh read, up to a bound;
// an edit that pins metadata.resourceVersion (label --resource-version, a
// patch setting it) is the user's precondition: once the object has moved
// past that version the conflict is returned, never written over.
//
// Nothing is written when the edit changes nothing. Errors: the edit's own
// (returned as is, nothing written), INVALID_ARGUMENT when the edited object
// is not a valid object of the kind (unknown field, wrong type, changed
// name/namespace/kind), and the server's (NOT_FOUND, Invalid, Forbidden...).
#pragma once

#include <google/protobuf/message.h>

#include <functional>
#include <memory>
#include <string>

#include "api/client/client.h"
#include "api/kinds.h"
#include "common/json/json.h"
#include "tools/netctl/write_flags.h"

namespace skiff::netctl {

struct ObjectTarget {
  const api::KindInfo* kind = nullptr;
  std::string ns;  // "" for cluster-scoped kinds
  std::string name;
};

struct EditOptions {
  std::string subresource;  // "" or "status"
  DryRun dry_run = DryRun::kNone;
  int max_attempts = 10;
};

struct EditResult {
  std::unique_ptr<google::protobuf::Message> before;  // as read
  std::unique_ptr<google::protobuf::Message> after;   // as stored (or would be)
  bool changed = false;
};

// Changes `object` in place; a non-OK status aborts the edit.
using JsonEdit = std::function<Status(const google::protobuf::Message& live, json::Value* object)>;

// *local_failure (when given) says whether an error came from this side
// (the edit, or the edited object not being valid) rather than the server.
Result<EditResult> EditObject(api::ApiClient& client, const ObjectTarget& target,
                              const JsonEdit& edit, const EditOptions& options,
                              bool* local_failure = nullptr);

}  // namespace skiff::netctl
