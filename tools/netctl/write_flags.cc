#include "tools/netctl/write_flags.h"

#include <cstdio>

#include "api/manifest.h"
#include "skiff/api/meta.pb.h"

namespace skiff::netctl {

void WriteFlags::Add(FlagSet& flags) {
  flags.String("dry-run", &dry_run,
               "none, client (print the object, send nothing) or server (the server validates, "
               "stores nothing).");
  flags.String("output", &output, "Print the result as yaml, json or name.");
  flags.String("o", &output, "Short for --output.");
}

Result<DryRun> WriteFlags::Check() const {
  if (output != "" && output != "yaml" && output != "json" && output != "name") {
    return InvalidArgument("--output=" + output +
                           ": unable to match a printer, allowed formats are: json,name,yaml");
  }
  if (dry_run == "none" || dry_run == "false") return DryRun::kNone;
  if (dry_run == "client" || dry_run == "true") return DryRun::kClient;
  if (dry_run == "server") return DryRun::kServer;
  return InvalidArgument("--dry-run=" + dry_run + ": must be \"none\", \"server\", or \"client\"");
}

std::vector<std::string> NormalizeDryRun(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {
      out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    out.push_back(args[i] == "--dry-run" ? "--dry-run=client" : args[i]);
  }
  return out;
}

Result<std::vector<std::string>> TakeArrayFlag(std::vector<std::string>* args,
                                               std::string_view name) {
  std::vector<std::string> values, rest;
  std::string bare = "--" + std::string(name);
  std::string with_value = bare + "=";
  for (size_t i = 0; i < args->size(); ++i) {
    const std::string& a = (*args)[i];
    if (a == "--") {
      rest.insert(rest.end(), args->begin() + static_cast<std::ptrdiff_t>(i), args->end());
      break;
    }
    if (a.starts_with(with_value)) {
      values.push_back(a.substr(with_value.size()));
    } else if (a == bare) {
      if (i + 1 >= args->size()) return InvalidArgument("flag " + bare + " needs a value");
      values.push_back((*args)[++i]);
    } else {
      rest.push_back(a);
    }
  }
  *args = std::move(rest);
  return values;
}

void PrintWriteResult(Context& ctx, const api::KindInfo& kind,
                      const google::protobuf::Message& object, const std::string& output,
                      const std::string& verb, DryRun dry_run) {
  std::string ref = ObjectRef(kind, api::GetObjectMeta(object)->name());
  if (output == "yaml") {
    std::fputs(api::ToYaml(object).c_str(), ctx.out);
  } else if (output == "json") {
    std::fprintf(ctx.out, "%s\n", api::ToJson(object, true).c_str());
  } else if (output == "name") {
    std::fprintf(ctx.out, "%s\n", ref.c_str());
  } else {
    const char* suffix = dry_run == DryRun::kClient   ? " (dry run)"
                         : dry_run == DryRun::kServer ? " (server dry run)"
                                                      : "";
    std::fprintf(ctx.out, "%s %s%s\n", ref.c_str(), verb.c_str(), suffix);
  }
  std::fflush(ctx.out);
}

void ReportObjectError(Context& ctx, const std::string& ref, const Status& status, bool local) {
  if (local) {
    std::fprintf(ctx.err, "error: %s: %s\n", ref.c_str(), status.message().c_str());
  } else {
    Fail(ctx, status);
  }
}

std::optional<std::vector<std::string>> ParseWriteFlags(Context& ctx, FlagSet& flags,
                                                        WriteFlags& write,
                                                        const std::vector<std::string>& args,
                                                        int* code) {
  ctx.AddGlobalFlags(flags);
  write.Add(flags);
  auto rest = flags.Parse(NormalizeDryRun(args));
  if (!rest.ok()) {
    *code = Fail(ctx, rest.status().message());
    return std::nullopt;
  }
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), ctx.out);
    *code = 0;
    return std::nullopt;
  }
  if (auto dry_run = write.Check(); !dry_run.ok()) {
    *code = Fail(ctx, dry_run.status().message());
    return std::nullopt;
  }
  return std::move(*rest);
}

}  // namespace skiff::netctl
