// libFuzzer target for the agent's HTTP request parsing (request line,
// headers, query parameters, bearer token): the part of the agent that reads
// bytes from the network before any authentication.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "node/agent/http_server.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto req = skiff::node::ParseRequestHead(in);
  if (req.ok()) {
    (void)req->BearerToken();
    for (const char* key : {"follow", "previous", "tailLines", "limitBytes", ""}) {
      (void)req->HasParam(key);
      (void)req->Param(key);
    }
  }
  (void)skiff::node::UrlDecode(in, true);
  (void)skiff::node::UrlDecode(in, false);
  return 0;
}
