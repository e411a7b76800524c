// The server's TLS material: a self-signed CA and a server certificate
// signed by it, generated on first start (ECDSA P-256, SHA-256) and kept in
// the data directory as ca.crt, ca.key, server.crt, server.key (keys 0600).
// Later starts reuse them; when the requested SANs are not all in the
// existing server certificate, a new one is issued from the same CA.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace skiff::auth {

struct Pki {
  std::string ca_cert_pem;
  std::string server_cert_pem;
  std::string server_key_pem;
};

// `sans`: IP literals and DNS names the server certificate must cover, in
// addition to 127.0.0.1, ::1, localhost and the host name.
Result<Pki> LoadOrCreatePki(const std::string& dir, const std::vector<std::string>& sans);

// Random bytes as lowercase hex, from the OpenSSL CSPRNG.
std::string RandomHex(size_t bytes);

}  // namespace skiff::auth
