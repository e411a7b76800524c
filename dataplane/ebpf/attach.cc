#include "dataplane/ebpf/attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ebpf/skiff_lb.skel.h"

namespace skiff::dataplane::ebpf {
namespace {

constexpr long kCgroup2Magic = 0x63677270;

Status Errno(const std::string& what, int err) {
  if (err < 0) err = -err;
  return Unavailable(what + ": " + std::strerror(err));
}

bpf_tc_hook Hook(int ifindex, TcHook which) {
  bpf_tc_hook h;
  std::memset(&h, 0, sizeof(h));
  h.sz = sizeof(h);
  h.ifindex = ifindex;
  h.attach_point = which == TcHook::kIngress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
  return h;
}

}  // namespace

Status AttachTc(int ifindex, int prog_fd, TcHook which) {
  bpf_tc_hook hook = Hook(ifindex, which);
  int err = bpf_tc_hook_create(&hook);
  if (err && err != -EEXIST)
    return Errno("creating clsact on ifindex " + std::to_string(ifindex), err);
  DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE,
                      .handle = kTcHandle, .priority = kTcPriority);
  err = bpf_tc_attach(&hook, &opts);
  if (err) return Errno("attaching TC program on ifindex " + std::to_string(ifindex), err);
  return Status::Ok();
}

Status DetachTc(int ifindex, TcHook which) {
  bpf_tc_hook hook = Hook(ifindex, which);
  DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kTcHandle, .priority = kTcPriority);
  int err = bpf_tc_detach(&hook, &opts);
  if (err && err != -ENOENT && err != -EINVAL && err != -ENODEV)
    return Errno("detaching TC program from ifindex " + std::to_string(ifindex), err);
  return Status::Ok();
}

uint32_t TcProgramId(int ifindex, TcHook which) {
  bpf_tc_hook hook = Hook(ifindex, which);
  DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kTcHandle, .priority = kTcPriority);
  if (bpf_tc_query(&hook, &opts) != 0) return 0;
  return opts.prog_id;
}

Status AttachXdp(int ifindex, int prog_fd, XdpMode mode) {
  __u32 flags = mode == XdpMode::kNative ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
  int err = bpf_xdp_attach(ifindex, prog_fd, flags, nullptr);
  if (err) return Errno("attaching XDP program on ifindex " + std::to_string(ifindex), err);
  return Status::Ok();
}

Status DetachXdp(int ifindex) {
  int err = bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, nullptr);
  if (err) err = bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, nullptr);
  if (err && err != -ENODEV && err != -EINVAL)
    return Errno("detaching XDP from ifindex " + std::to_string(ifindex), err);
  return Status::Ok();
}

Result<std::string> CgroupV2Root() {
  struct statfs fs;
  for (const char* p : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"})
    if (statfs(p, &fs) == 0 && fs.f_type == kCgroup2Magic) return std::string(p);
  return NotFound("no cgroup v2 hierarchy at /sys/fs/cgroup/unified or /sys/fs/cgroup");
}

Status AttachCgroup(skiff_lb* skel, const std::string& cgroup, const std::string& links_dir) {
  int cg = open(cgroup.c_str(), O_RDONLY | O_DIRECTORY);
  if (cg < 0) return Errno("opening cgroup " + cgroup, errno);
  struct stat st;
  fstat(cg, &st);
  const uint64_t cgroup_id = st.st_ino;  // cgroup v2 id == directory inode
  std::error_code ec;
  std::filesystem::create_directories(links_dir, ec);
  bpf_program* progs[] = {skel->progs.skiff_connect4,     skel->progs.skiff_connect6,
                          skel->progs.skiff_sendmsg4,     skel->progs.skiff_sendmsg6,
                          skel->progs.skiff_recvmsg4,     skel->progs.skiff_recvmsg6,
                          skel->progs.skiff_getpeername4, skel->progs.skiff_getpeername6};
  Status result;
  for (bpf_program* prog : progs) {
    std::string path = links_dir + "/" + bpf_program__name(prog);
    bpf_link* link = bpf_link__open(path.c_str());
    if (link) {
      bpf_link_info info;
      std::memset(&info, 0, sizeof(info));
      __u32 len = sizeof(info);
      bool same = bpf_obj_get_info_by_fd(bpf_link__fd(link), &info, &len) == 0 &&
                  info.type == BPF_LINK_TYPE_CGROUP && info.cgroup.cgroup_id == cgroup_id;
      if (same && bpf_link__update_program(link, prog) == 0) {
        bpf_link__disconnect(link);
        bpf_link__destroy(link);
        continue;
      }
      // Other cgroup, or a defunct link: replace it.
      bpf_link__unpin(link);
      bpf_link__destroy(link);
    }
    link = bpf_program__attach_cgroup(prog, cg);
    if (!link) {
      result = Errno("attaching " + std::string(bpf_program__name(prog)) + " to " + cgroup, errno);
      break;
    }
    int err = bpf_link__pin(link, path.c_str());
    if (err) {
      bpf_link__destroy(link);
      result = Errno("pinning link " + path, err);
      break;
    }
    bpf_link__disconnect(link);
    bpf_link__destroy(link);
  }
  close(cg);
  return result;
}

Status DetachCgroup(const std::string& links_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(links_dir, ec)) return Status::Ok();
  for (const auto& e : std::filesystem::directory_iterator(links_dir, ec))
    unlink(e.path().c_str());
  rmdir(links_dir.c_str());
  return Status::Ok();
}

}  // namespace skiff::dataplane::ebpf
