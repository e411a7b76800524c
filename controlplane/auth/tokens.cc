#include "controlplane/auth/tokens.h"

#include <openssl/sha.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "controlplane/auth/pki.h"

namespace skiff::auth {
namespace {

std::string Digest(std::string_view token) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), md);
  return std::string(reinterpret_cast<char*>(md), sizeof md);
}

// Splits a CSV line; a double-quoted field may contain commas.
std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<TokenAuthenticator>> TokenAuthenticator::LoadOrCreate(
    const std::string& path, std::string* admin_token) {
  if (!std::filesystem::exists(path)) {
    std::string token = RandomHex(32);
    std::ofstream out(path, std::ios::trunc);
    if (!out) return Internal("create token file " + path);
    out << token << ",admin,admin,\"system:masters\"\n";
    out.close();
    chmod(path.c_str(), 0600);
  }
  std::ifstream in(path);
  if (!in) return Internal("read token file " + path);
  auto auth = std::unique_ptr<TokenAuthenticator>(new TokenAuthenticator());
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    auto fields = SplitCsv(line);
    if (fields.size() < 3 || fields[0].empty() || fields[1].empty()) {
      return InvalidArgument("token file " + path + " line " + std::to_string(number) +
                             ": want token,user,uid[,\"groups\"]");
    }
    UserInfo user{fields[1], fields[2], {}};
    if (fields.size() > 3) {
      std::stringstream groups(fields[3]);
      std::string g;
      while (std::getline(groups, g, ',')) {
        if (!g.empty()) user.groups.push_back(g);
      }
    }
    if (admin_token && user.name == "admin" && admin_token->empty()) *admin_token = fields[0];
    auth->users_by_digest_[Digest(fields[0])] = std::move(user);
  }
  return auth;
}

std::optional<UserInfo> TokenAuthenticator::Authenticate(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  auto it = users_by_digest_.find(Digest(token));
  if (it == users_by_digest_.end()) return std::nullopt;
  return it->second;
}

std::string_view TokenAuthenticator::BearerToken(std::string_view header) {
  constexpr std::string_view kPrefix = "Bearer ";
  if (header.size() <= kPrefix.size()) return {};
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) !=
        std::tolower(static_cast<unsigned char>(kPrefix[i]))) {
      return {};
    }
  }
  return header.substr(kPrefix.size());
}

}  // namespace skiff::auth
