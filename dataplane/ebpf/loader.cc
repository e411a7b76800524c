#include "dataplane/ebpf/loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/log.h"
#include "dataplane/core/maglev.h"
#include "ebpf/skiff_lb.skel.h"

namespace skiff::dataplane::ebpf {
namespace {

constexpr long kBpfFsMagic = 0xcafe4a11;

Status EnsureBpfFs(const std::string& root) {
  std::error_code ec;
  std::filesystem::path p(root);
  std::filesystem::path probe = p.parent_path();
  struct statfs fs;
  if (statfs(probe.c_str(), &fs) != 0 || fs.f_type != kBpfFsMagic) {
    if (probe == "/sys/fs/bpf") {
      mkdir("/sys/fs/bpf", 0700);
      if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") != 0)
        return Unavailable("mounting bpffs at /sys/fs/bpf: " + std::string(std::strerror(errno)));
    } else if (statfs(probe.c_str(), &fs) != 0 || fs.f_type != kBpfFsMagic) {
      return FailedPrecondition("pin root " + root + " is not on a bpf filesystem");
    }
  }
  std::filesystem::create_directories(p, ec);
  if (ec) return Unavailable("creating pin root " + root + ": " + ec.message());
  return Status::Ok();
}

// A pinned map a new object cannot reuse is unpinned (the old programs keep
// their reference until they are replaced).
void DropIncompatiblePins(skiff_lb* skel, const LoadOptions& o) {
  auto logger = log::Get("proxy");
  bpf_map* map;
  bpf_object__for_each_map(map, skel->obj) {
    std::string path = o.pin_root + "/" + bpf_map__name(map);
    int fd = bpf_obj_get(path.c_str());
    if (fd < 0) continue;
    bpf_map_info info;
    std::memset(&info, 0, sizeof(info));
    __u32 len = sizeof(info);
    bool ok =
        bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.type == bpf_map__type(map) &&
        info.key_size == bpf_map__key_size(map) && info.value_size == bpf_map__value_size(map) &&
        info.max_entries == bpf_map__max_entries(map) && info.map_flags == bpf_map__map_flags(map);
    if (ok && std::strcmp(bpf_map__name(map), SKIFF_MAP_MAGLEV) == 0) {
      // The inner table size is not visible in the outer map's info: compare
      // with the size the previous run recorded in the config map.
      std::string cfg_path = o.pin_root + "/" SKIFF_MAP_CONFIG;
      int cfd = bpf_obj_get(cfg_path.c_str());
      skiff_config cfg;
      __u32 zero = 0;
      if (cfd >= 0 && bpf_map_lookup_elem(cfd, &zero, &cfg) == 0 && cfg.maglev_size != 0 &&
          (cfg.maglev_size != o.maglev_size || cfg.tables_per_pool != o.tables_per_pool))
        ok = false;
      if (cfd >= 0) close(cfd);
    }
    close(fd);
    if (!ok && std::strcmp(bpf_map__name(map), SKIFF_MAP_MAGLEV) == 0) {
      // Tables go: the member entries that promise them must go too.
      unlink((o.pin_root + "/" SKIFF_MAP_MEMBERS).c_str());
    }
    if (!ok) {
      logger->warn(
          "msg=\"pinned map incompatible with this build or its options; recreating\" "
          "path={}",
          path);
      unlink(path.c_str());
    }
  }
}

// libbpf's own messages go to the proxy log at debug level (its warnings
// include expected probes such as "Parent Qdisc doesn't exists").
int LibbpfPrint(enum libbpf_print_level level, const char* fmt, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  std::string msg(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0) vsnprintf(msg.data(), msg.size() + 1, fmt, args);
  while (!msg.empty() && msg.back() == '\n')
    msg.pop_back();
  if (level == LIBBPF_WARN)
    log::Get("libbpf")->debug("{}", msg);
  else
    log::Get("libbpf")->trace("{}", msg);
  return 0;
}

}  // namespace

void RouteLibbpfLogs() {
  libbpf_set_print(LibbpfPrint);
}

LoadedLb::~LoadedLb() {
  if (skel_) skiff_lb__destroy(skel_);
}

int LoadedLb::tc_prog_fd() const {
  return bpf_program__fd(skel_->progs.skiff_tc_ingress);
}
int LoadedLb::tc_egress_prog_fd() const {
  return bpf_program__fd(skel_->progs.skiff_tc_egress);
}
int LoadedLb::xdp_prog_fd() const {
  return bpf_program__fd(skel_->progs.skiff_xdp);
}

Result<std::unique_ptr<LoadedLb>> Load(const LoadOptions& o) {
  if (!IsPrime(o.maglev_size) || o.maglev_size < 7 || o.maglev_size > 1000003)
    return InvalidArgument("--maglev-table-size " + std::to_string(o.maglev_size) +
                           " must be a prime in 7..1000003 (e.g. 16381)");
  if (o.tables_per_pool == 0 || o.tables_per_pool > 65536)
    return InvalidArgument("Maglev tables per pool " + std::to_string(o.tables_per_pool) +
                           " must be in 1..65536");
  if (o.snat_port_min == 0 || o.snat_port_max < o.snat_port_min)
    return InvalidArgument("SNAT port range " + std::to_string(o.snat_port_min) + "-" +
                           std::to_string(o.snat_port_max) + " is empty");
  RouteLibbpfLogs();
  SKIFF_RETURN_IF_ERROR(EnsureBpfFs(o.pin_root));

  std::unique_ptr<LoadedLb> lb(new LoadedLb());
  lb->options_ = o;
  DECLARE_LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = o.pin_root.c_str());
  lb->skel_ = skiff_lb__open_opts(&open_opts);
  if (!lb->skel_) return Unavailable("opening BPF object: " + std::string(std::strerror(errno)));
  skiff_lb* s = lb->skel_;
  bpf_map__set_max_entries(s->maps.skiff_svc4_v1, o.max_frontends);
  bpf_map__set_max_entries(s->maps.skiff_svc6_v1, o.max_frontends);
  bpf_map__set_max_entries(s->maps.skiff_be_v1, o.max_backends);
  bpf_map__set_max_entries(s->maps.skiff_best_v1, o.max_backends);
  bpf_map__set_max_entries(s->maps.skiff_member_v1, o.max_backends * 4);
  const uint32_t pools = (o.max_sets + o.tables_per_pool - 1) / o.tables_per_pool;
  bpf_map__set_max_entries(s->maps.skiff_maglev_v1, pools);
  // Inner table template of the configured size (the BTF template has the
  // default size).
  bpf_map_create_opts inner_opts;
  std::memset(&inner_opts, 0, sizeof(inner_opts));
  inner_opts.sz = sizeof(inner_opts);
  inner_opts.map_flags = BPF_F_MMAPABLE;
  int inner_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "skiff_mgl_tmpl", 4, 8,
                                o.tables_per_pool * ((o.maglev_size + 1) / 2), &inner_opts);
  if (inner_fd < 0) return MapError(SKIFF_MAP_MAGLEV, "create inner template", errno);
  bpf_map__set_inner_map_fd(s->maps.skiff_maglev_v1, inner_fd);
  bpf_map__set_max_entries(s->maps.skiff_ct4_v1, o.ct_entries);
  bpf_map__set_max_entries(s->maps.skiff_ct6_v1, o.ct_entries);
  bpf_map__set_max_entries(s->maps.skiff_svcst_v1, o.max_services);
  bpf_map__set_max_entries(s->maps.skiff_svcinfo_v1, o.max_services);
  if (!o.load_socket_programs) {
    for (bpf_program* p :
         {s->progs.skiff_connect4, s->progs.skiff_connect6, s->progs.skiff_sendmsg4,
          s->progs.skiff_sendmsg6, s->progs.skiff_recvmsg4, s->progs.skiff_recvmsg6,
          s->progs.skiff_getpeername4, s->progs.skiff_getpeername6})
      bpf_program__set_autoload(p, false);
  }
  DropIncompatiblePins(s, o);
  int err = skiff_lb__load(s);
  close(inner_fd);
  if (err) return Unavailable("loading BPF programs: " + std::string(std::strerror(-err)));

  // Programs are pinned too (<root>/progs/<name>), replacing a previous
  // run's, so tools (bpftool, netctl) find the running instance.
  std::string progs = o.pin_root + "/progs";
  mkdir(progs.c_str(), 0700);
  bpf_program* prog;
  bpf_object__for_each_program(prog, s->obj) {
    if (bpf_program__fd(prog) < 0) continue;
    std::string path = progs + "/" + bpf_program__name(prog);
    unlink(path.c_str());
    if (bpf_program__pin(prog, path.c_str()) != 0)
      log::Get("proxy")->warn("msg=\"pinning program failed\" path={}", path);
  }

  LbMaps& m = lb->maps_;
  m.svc4 = bpf_map__fd(s->maps.skiff_svc4_v1);
  m.svc6 = bpf_map__fd(s->maps.skiff_svc6_v1);
  m.backends = bpf_map__fd(s->maps.skiff_be_v1);
  m.members = bpf_map__fd(s->maps.skiff_member_v1);
  m.maglev = bpf_map__fd(s->maps.skiff_maglev_v1);
  m.ct4 = bpf_map__fd(s->maps.skiff_ct4_v1);
  m.ct6 = bpf_map__fd(s->maps.skiff_ct6_v1);
  m.affinity = bpf_map__fd(s->maps.skiff_aff_v1);
  m.sknat = bpf_map__fd(s->maps.skiff_sknat_v1);
  m.nodeip = bpf_map__fd(s->maps.skiff_nodeip_v1);
  m.svc_stats = bpf_map__fd(s->maps.skiff_svcst_v1);
  m.be_stats = bpf_map__fd(s->maps.skiff_best_v1);
  m.svc_info = bpf_map__fd(s->maps.skiff_svcinfo_v1);
  m.config = bpf_map__fd(s->maps.skiff_cfg_v1);

  skiff_config cfg;
  __u32 zero = 0;
  if (bpf_map_lookup_elem(m.config, &zero, &cfg) != 0) std::memset(&cfg, 0, sizeof(cfg));
  cfg.maglev_size = o.maglev_size;
  cfg.snat_port_min = o.snat_port_min;
  cfg.snat_port_max = o.snat_port_max;
  cfg.tables_per_pool = o.tables_per_pool;
  if (bpf_map_update_elem(m.config, &zero, &cfg, BPF_ANY) != 0)
    return MapError(SKIFF_MAP_CONFIG, "update", errno);
  return lb;
}

Status SetSnatAddresses(const LbMaps& maps, const IpAddr* v4, const IpAddr* v6) {
  skiff_config cfg;
  __u32 zero = 0;
  if (bpf_map_lookup_elem(maps.config, &zero, &cfg) != 0)
    return MapError(SKIFF_MAP_CONFIG, "lookup", errno);
  cfg.snat_ip4 = 0;
  std::memset(cfg.snat_ip6, 0, sizeof(cfg.snat_ip6));
  if (v4) std::memcpy(&cfg.snat_ip4, v4->bytes.data(), 4);
  if (v6) std::memcpy(cfg.snat_ip6, v6->bytes.data(), 16);
  if (bpf_map_update_elem(maps.config, &zero, &cfg, BPF_ANY) != 0)
    return MapError(SKIFF_MAP_CONFIG, "update", errno);
  return Status::Ok();
}

Status Unpin(const std::string& root) {
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
  if (ec) return Internal("removing " + root + ": " + ec.message());
  return Status::Ok();
}

}  // namespace skiff::dataplane::ebpf
