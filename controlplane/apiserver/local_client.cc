#include "controlplane/apiserver/local_client.h"

namespace skiff::apiserver {

Result<api::VersionResponse> LocalClient::Version() {
  api::VersionResponse v;
  v.set_version(SKIFF_VERSION);
  v.set_store("local");
  return v;
}

}  // namespace skiff::apiserver
