// netctl create deployment | service clusterip|nodeport, shaped as kubectl's
// generators shape them (labels and selector app=NAME, containers named
// after their images, ports named after their --tcp specs).
#include <algorithm>
#include <set>

#include "tools/netctl/create_commands.h"
#include "tools/netctl/create_common.h"

namespace skiff::netctl {
namespace {

// kubectl's container name for an image: the last path element without its
// tag or digest, '_' turned into '-'.
std::string ContainerName(const std::string& image) {
  std::string name = image.substr(image.rfind('/') == std::string::npos ? 0 : image.rfind('/') + 1);
  name = name.substr(0, name.find('@'));
  name = name.substr(0, name.find(':'));
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

json::Value AppLabels(const std::string& name) {
  return json::Object{{"app", name}};
}

}  // namespace

int RunCreateDeployment(Context& ctx, const Args& raw_args) {
  // Everything after "--" is the containers' command, not flags.
  auto dash = std::find(raw_args.begin(), raw_args.end(), "--");
  Args args(raw_args.begin(), dash);
  Args command(dash == raw_args.end() ? dash : dash + 1, raw_args.end());
  WriteFlags write;
  std::vector<std::string> images;
  int64_t replicas = 1, port = -1;
  FlagSet flags(
      "netctl create deployment NAME --image=IMAGE [--replicas=N] [--port=P] "
      "[-- COMMAND [ARGS...]] [flags]",
      "Creates a Deployment with labels and selector app=NAME. Skiff runs processes\n"
      "from the node's file system: COMMAND (an absolute path, with its ARGS)\n"
      "becomes the container's command.");
  flags.List("image", &images, "Container image (repeatable: one container each).");
  flags.Int("replicas", &replicas, "Number of replicas.");
  flags.Int("port", &port, "containerPort of the first container (-1: none).");
  int code = 0;
  auto rest = ParseWriteFlags(ctx, flags, write, args, &code);
  if (!rest) return code;
  auto name = SingleName(ctx, *rest);
  if (!name) return 1;
  if (images.empty()) {
    std::fprintf(ctx.err, "error: required flag(s) \"image\" not set\n");
    return 1;
  }
  if (replicas < 0) return Fail(ctx, "--replicas=" + std::to_string(replicas) + ": must be >= 0");
  if (port != -1) {
    if (Status s = CheckPort(port, "--port"); !s.ok()) return Fail(ctx, s.message());
  }
  if (images.size() > 1 && !command.empty()) {
    std::fprintf(ctx.err, "error: cannot specify multiple --image options and command\n");
    return 1;
  }
  json::Array containers;
  std::set<std::string> used;
  for (const auto& image : images) {
    std::string base = ContainerName(image), cname = base;
    for (int n = 2; !used.insert(cname).second; ++n)
      cname = base + "-" + std::to_string(n);
    json::Object c{{"name", cname}, {"image", image}};
    if (!command.empty()) {
      json::Array cmd(command.begin(), command.end());
      c.Set("command", std::move(cmd));
    }
    containers.push_back(std::move(c));
  }
  if (port != -1) {
    containers[0].as_object().Set("ports", json::Array{json::Object{{"containerPort", port}}});
  }
  json::Object template_spec{{"containers", std::move(containers)}};
  json::Object pod_template{{"metadata", json::Object{{"labels", AppLabels(*name)}}},
                            {"spec", std::move(template_spec)}};
  json::Object spec{{"replicas", replicas},
                    {"selector", json::Object{{"matchLabels", AppLabels(*name)}}},
                    {"template", std::move(pod_template)}};
  return CreateFromJson(
      ctx,
      json::Object{{"apiVersion", "apps/v1"},
                   {"kind", "Deployment"},
                   {"metadata", json::Object{{"name", *name}, {"labels", AppLabels(*name)}}},
                   {"spec", std::move(spec)}},
      write);
}

int RunCreateService(Context& ctx, const Args& raw_args) {
  Args args = raw_args;
  std::string type_word = TakeSubcommand(&args);
  WriteFlags write;
  std::vector<std::string> tcp;
  std::string cluster_ip;
  int64_t node_port = 0;
  FlagSet flags("netctl create service clusterip|nodeport NAME --tcp=PORT[:TARGET] [flags]",
                "Creates a Service selecting app=NAME, one port per --tcp spec.");
  flags.List("tcp", &tcp, "PORT[:TARGET] (repeatable; TARGET defaults to PORT).");
  flags.String("clusterip", &cluster_ip, "clusterip: a fixed address, or None for headless.");
  flags.Int("node-port", &node_port, "nodeport: the node port (0: allocated).");
  int code = 0;
  auto rest = ParseWriteFlags(ctx, flags, write, args, &code);
  if (!rest) return code;
  std::string type;
  if (type_word == "clusterip") {
    type = "ClusterIP";
  } else if (type_word == "nodeport") {
    type = "NodePort";
  } else {
    std::fprintf(ctx.err, "error: %s: want `create service clusterip|nodeport NAME`\n",
                 type_word.empty() ? "missing the service type"
                                   : ("unknown service type \"" + type_word + "\"").c_str());
    return 1;
  }
  auto name = SingleName(ctx, *rest);
  if (!name) return 1;
  if (tcp.empty() && cluster_ip != "None") {
    std::fprintf(ctx.err, "error: at least one tcp port specifier must be provided\n");
    return 1;
  }
  if (type == "NodePort" && !cluster_ip.empty()) {
    return Fail(ctx, "--clusterip is for clusterip services");
  }
  if (node_port != 0 && (type != "NodePort" || tcp.size() != 1)) {
    return Fail(ctx, "--node-port needs a nodeport service with exactly one --tcp port");
  }
  json::Array ports;
  for (const auto& spec : tcp) {
    auto p = ServicePortFromSpec(spec, "TCP", "--tcp");
    if (!p.ok()) return Fail(ctx, p.status().message());
    if (node_port != 0) {
      if (Status s = CheckPort(node_port, "--node-port"); !s.ok()) return Fail(ctx, s.message());
      p->as_object().Set("nodePort", node_port);
    }
    ports.push_back(std::move(*p));
  }
  json::Object spec{{"selector", AppLabels(*name)}, {"type", type}};
  if (!ports.empty()) spec.Set("ports", std::move(ports));
  if (!cluster_ip.empty()) spec.Set("clusterIP", cluster_ip);
  return CreateFromJson(
      ctx,
      json::Object{{"apiVersion", "v1"},
                   {"kind", "Service"},
                   {"metadata", json::Object{{"name", *name}, {"labels", AppLabels(*name)}}},
                   {"spec", std::move(spec)}},
      write);
}

}  // namespace skiff::netctl
