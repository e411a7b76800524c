// netctl create configmap | secret generic | secret tls.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "common/base64.h"
#include "tools/netctl/create_commands.h"
#include "tools/netctl/create_common.h"
#include "tools/netctl/create_data.h"

namespace skiff::netctl {
namespace {

// Takes the string-array source flags out of *args (values keep commas).
Result<DataSources> TakeSources(Args* args) {
  DataSources s;
  auto literals = TakeArrayFlag(args, "from-literal");
  if (!literals.ok()) return literals.status();
  auto files = TakeArrayFlag(args, "from-file");
  if (!files.ok()) return files.status();
  auto env_files = TakeArrayFlag(args, "from-env-file");
  if (!env_files.ok()) return env_files.status();
  s.literals = std::move(*literals);
  s.files = std::move(*files);
  s.env_files = std::move(*env_files);
  return s;
}

// Registers the source flags for --help only (TakeSources consumed them).
void DescribeSources(FlagSet& flags, std::string* unused) {
  flags.String("from-literal", unused, "KEY=VALUE (repeatable; VALUE may contain ',' and '=').");
  flags.String("from-file", unused,
               "[KEY=]PATH: a file (KEY defaults to its name) or every file of a directory "
               "(repeatable).");
  flags.String("from-env-file", unused,
               "PATH of KEY=VALUE lines ('#' comments; a bare KEY takes $KEY) (repeatable).");
}

json::Value Metadata(const std::string& name) {
  return json::Object{{"name", name}};
}

using DataList = std::vector<std::pair<std::string, std::string>>;

// The flags, the one NAME and the data of `create configmap|secret generic`
// (`kind` names the object in errors). nullopt with *code set after
// printing the error (or the help).
std::optional<std::pair<std::string, DataList>> ParseDataCommand(Context& ctx, FlagSet& flags,
                                                                 WriteFlags& write, Args args,
                                                                 const std::string& kind,
                                                                 int* code) {
  auto sources = TakeSources(&args);
  if (!sources.ok()) {
    *code = Fail(ctx, sources.status().message());
    return std::nullopt;
  }
  auto rest = ParseWriteFlags(ctx, flags, write, args, code);
  if (!rest) return std::nullopt;
  auto name = SingleName(ctx, *rest);
  *code = 1;
  if (!name) return std::nullopt;
  auto data = CollectData(*sources, kind + " \"" + *name + "\"");
  if (!data.ok()) {
    std::fprintf(ctx.err, "error: %s\n", data.status().message().c_str());
    return std::nullopt;
  }
  return std::make_pair(*name, std::move(*data));
}

int CreateSecretGeneric(Context& ctx, Args args) {
  WriteFlags write;
  std::string type, unused;
  FlagSet flags(
      "netctl create secret generic NAME [--type=T] [--from-literal=K=V] "
      "[--from-file=[K=]PATH] [--from-env-file=PATH] [flags]",
      "Creates a Secret from literals, files and env files.");
  DescribeSources(flags, &unused);
  flags.String("type", &type, "The Secret's type (default Opaque).");
  int code = 0;
  auto parsed = ParseDataCommand(ctx, flags, write, args, "Secret", &code);
  if (!parsed) return code;
  const auto& [name, data] = *parsed;
  json::Object secret{{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", Metadata(name)}};
  json::Object values;
  for (const auto& [k, v] : data)
    values.Set(k, Base64Encode(v));
  if (!values.empty()) secret.Set("data", std::move(values));
  secret.Set("type", type.empty() ? "Opaque" : type);
  return CreateFromJson(ctx, std::move(secret), write);
}

Result<std::string> ReadPem(const std::string& path, const std::string& flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(flag + "=" + path + ": cannot read the file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "no PEM data found";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// As kubectl (tls.X509KeyPair): the certificate parses, the key parses and
// belongs to the certificate.
Status CheckKeyPair(const std::string& cert_pem, const std::string& key_pem) {
  using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
  Bio cert_bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert) return InvalidArgument("--cert: not a PEM certificate: " + OpenSslError());
  Bio key_bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key) return InvalidArgument("--key: not a PEM private key: " + OpenSslError());
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return InvalidArgument("failed to load key pair tls: private key does not match public key");
  }
  return Status::Ok();
}

int CreateSecretTls(Context& ctx, const Args& args) {
  WriteFlags write;
  std::string cert, key;
  FlagSet flags("netctl create secret tls NAME --cert=PATH --key=PATH [flags]",
                "Creates a kubernetes.io/tls Secret (tls.crt, tls.key) from a PEM certificate\n"
                "and its private key; the pair is checked first.");
  flags.String("cert", &cert, "PEM certificate file.");
  flags.String("key", &key, "PEM private key file.");
  int code = 0;
  auto rest = ParseWriteFlags(ctx, flags, write, args, &code);
  if (!rest) return code;
  auto name = SingleName(ctx, *rest);
  if (!name) return 1;
  if (cert.empty() || key.empty()) {
    std::fprintf(ctx.err, "error: both --cert and --key are required\n");
    return 1;
  }
  auto cert_pem = ReadPem(cert, "--cert");
  auto key_pem = cert_pem.ok() ? ReadPem(key, "--key") : cert_pem;
  Status s = !key_pem.ok() ? key_pem.status() : CheckKeyPair(*cert_pem, *key_pem);
  if (!s.ok()) {
    std::fprintf(ctx.err, "error: %s\n", s.message().c_str());
    return 1;
  }
  json::Object data{{"tls.crt", Base64Encode(*cert_pem)}, {"tls.key", Base64Encode(*key_pem)}};
  return CreateFromJson(ctx,
                        json::Object{{"apiVersion", "v1"},
                                     {"kind", "Secret"},
                                     {"metadata", Metadata(*name)},
                                     {"data", std::move(data)},
                                     {"type", "kubernetes.io/tls"}},
                        write);
}

}  // namespace

int RunCreateConfigMap(Context& ctx, const Args& raw_args) {
  Args args = raw_args;
  WriteFlags write;
  std::string unused;
  FlagSet flags(
      "netctl create configmap NAME [--from-literal=K=V] [--from-file=[K=]PATH] "
      "[--from-env-file=PATH] [flags]",
      "Creates a ConfigMap from literals, files and env files; file contents that\n"
      "are not UTF-8 go to binaryData.");
  DescribeSources(flags, &unused);
  int code = 0;
  auto parsed = ParseDataCommand(ctx, flags, write, args, "ConfigMap", &code);
  if (!parsed) return code;
  const auto& [name, data] = *parsed;
  json::Object cm{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", Metadata(name)}};
  json::Object text, binary;
  for (const auto& [k, v] : data) {
    if (IsUtf8(v)) {
      text.Set(k, v);
    } else {
      binary.Set(k, Base64Encode(v));
    }
  }
  if (!text.empty()) cm.Set("data", std::move(text));
  if (!binary.empty()) cm.Set("binaryData", std::move(binary));
  return CreateFromJson(ctx, std::move(cm), write);
}

int RunCreateSecret(Context& ctx, const Args& args) {
  Args rest = args;
  std::string type = TakeSubcommand(&rest);
  if (type == "generic") return CreateSecretGeneric(ctx, rest);
  if (type == "tls") return CreateSecretTls(ctx, rest);
  if (!type.empty()) {
    std::fprintf(ctx.err, "error: unknown secret type \"%s\": want generic or tls\n", type.c_str());
    return 1;
  }
  bool help = std::find(args.begin(), args.end(), "--help") != args.end();
  std::fputs("Usage: netctl create secret (generic|tls) NAME [flags]\n", help ? ctx.out : ctx.err);
  return help ? 0 : 1;
}

}  // namespace skiff::netctl
