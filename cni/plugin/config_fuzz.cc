// libFuzzer target for everything skiff-cni decodes from its caller: the
// network configuration (with prevResult, runtimeConfig, args), results and
// CNI_ARGS. None may crash; accepted results must re-serialize and re-read.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cni/plugin/conf.h"
#include "cni/spec/args.h"
#include "cni/spec/result.h"
#include "cni/spec/version.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace skiff::cni;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto args = ParseCniArgs(text);
  if (args.ok()) (void)CheckKnownArgs(*args, {"IP", "MAC"});
  auto root = skiff::json::Parse(text);
  if (!root.ok()) return 0;
  for (plugin::Verb verb : {plugin::Verb::kAdd, plugin::Verb::kDel, plugin::Verb::kGc}) {
    plugin::Env env;
    env.verb = verb;
    env.container_id = "fuzz";
    env.ifname = "eth0";
    (void)plugin::ParseNetConf(*root, env);
  }
  for (std::string_view version : kSupportedVersions) {
    auto r = ResultFromJson(*root, version);
    if (!r.ok()) continue;
    skiff::json::Value out = ResultToJson(*r, r->cni_version);
    auto again = ResultFromJson(out, r->cni_version);
    if (!again.ok()) std::abort();
  }
  return 0;
}
