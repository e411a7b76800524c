// skiff-proxy --engine=dpdk end to end: a client namespace opens real TCP
// connections (and UDP exchanges) to VIPs served by the DPDK engine on a
// net_af_packet port attached to a veth, and reaches three backend
// namespaces, in full-NAT mode and in DSR mode (IPIP/IP6IP6 decapsulated on
// the backends by skiff_decap.bpf.o). Also: table updates while
// connections stay up, two worker lcores, hugepages, the kernel exception
// port, bad input, and start-up errors that name the option to change.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "dataplane/dpdk/stats_client.h"
#include "tests/dpdk/segment.h"

namespace skiff::dpdktest {
namespace {

struct Counts {
  std::map<std::string, int> by_backend;
  int errors = 0, refused = 0;
  int total() const {
    int t = 0;
    for (const auto& [_, n] : by_backend)
      t += n;
    return t;
  }
};

// `web` (TCP port -> target, UDP udp_port -> 5353) on the three VIPs, and
// `empty` without endpoints on 10.78.0.99.
std::string Services(int port, int target, int backends, int udp_port = 53) {
  const bool v6 = true;
  std::string eps;
  for (int i = 0; i < backends; ++i)
    eps += "  - addresses: [10.77.0." + std::to_string(11 + i) + "]\n";
  std::string eps6;
  for (int i = 0; i < backends; ++i)
    eps6 += "  - addresses: [\"fd00:77::" + std::to_string(11 + i) + "\"]\n";
  std::string p = std::to_string(port), t = std::to_string(target);
  std::string text =
      "kind: Service\nmetadata: {name: web}\nspec:\n  type: LoadBalancer\n"
      "  clusterIPs: [10.96.0.10, \"fd00:96::10\"]\n"
      "  ports:\n  - {name: http, port: " +
      p + ", targetPort: " + t +
      ", protocol: TCP}\n  - {name: dns, port: " + std::to_string(udp_port) +
      ", targetPort: 5353, protocol: UDP}\n"
      "status:\n  loadBalancer:\n    ingress: [{ip: 10.77.0.100}, {ip: \"fd00:77::100\"}, "
      "{ip: 10.78.0.10}]\n"
      "---\nkind: EndpointSlice\nmetadata: {name: web-4, labels: "
      "{kubernetes.io/service-name: web}}\naddressType: IPv4\nendpoints:\n" +
      eps + "ports: [{name: http, port: " + t + ", protocol: TCP}, {name: dns, port: 5353, " +
      "protocol: UDP}]\n";
  if (v6)
    text +=
        "---\nkind: EndpointSlice\nmetadata: {name: web-6, labels: "
        "{kubernetes.io/service-name: web}}\naddressType: IPv6\nendpoints:\n" +
        eps6 + "ports: [{name: http, port: " + t +
        ", protocol: TCP}, {name: dns, port: " + "5353, protocol: UDP}]\n";
  text +=
      "---\nkind: Service\nmetadata: {name: empty}\nspec:\n  type: LoadBalancer\n"
      "  clusterIP: 10.96.0.99\n  ports: [{name: http, port: 80, targetPort: 8080}]\n"
      "status: {loadBalancer: {ingress: [{ip: 10.78.0.99}]}}\n";
  return text;
}

// Runs `fn` in a child process inside network namespace `ns`; returns its
// exit status.
int InNamespace(const std::string& ns, const std::function<int()>& fn) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(("/run/netns/" + ns).c_str(), O_RDONLY);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) _exit(100);
    _exit(fn());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 101;
}

// One TCP connection echoing a `size`-byte line; 0 when it came back whole.
int EchoOnce(const std::string& addr, int port, size_t size) {
  sockaddr_storage ss{};
  socklen_t len;
  auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, addr.c_str(), &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(*a4);
  } else {
    inet_pton(AF_INET6, addr.c_str(), &a6->sin6_addr);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(*a6);
  }
  int fd = socket(ss.ss_family, SOCK_STREAM, 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return 2;
  std::string msg(size - 1, 'x');
  msg += '\n';
  if (send(fd, msg.data(), msg.size(), 0) != static_cast<ssize_t>(msg.size())) return 3;
  size_t got = 0;
  char buf[4096];
  while (got < msg.size()) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return 4;
    got += static_cast<size_t>(n);
  }
  close(fd);
  return 0;
}

// Sends raw Ethernet frames out of `dev` (inside the current namespace).
int SendFrames(const std::string& dev, const std::vector<std::vector<uint8_t>>& frames) {
  int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) return 1;
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = static_cast<int>(if_nametoindex(dev.c_str()));
  sll.sll_halen = 6;
  for (const auto& f : frames) {
    std::memcpy(sll.sll_addr, f.data(), 6);
    if (sendto(fd, f.data(), f.size(), 0, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) < 0)
      return 2;
  }
  close(fd);
  return 0;
}

class HugepageReservation {
 public:
  explicit HugepageReservation(long pages) {
    std::ifstream("/proc/sys/vm/nr_hugepages") >> before_;
    std::ofstream("/proc/sys/vm/nr_hugepages") << before_ + pages;
  }
  ~HugepageReservation() { std::ofstream("/proc/sys/vm/nr_hugepages") << before_; }
  static long Free() {
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("HugePages_Free:", 0) == 0) return std::atol(line.c_str() + 15);
    return 0;
  }

 private:
  long before_ = 0;
};

class DpdkNetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, AF_PACKET)";
  }

  void Start(bool dsr, const std::vector<std::string>& extra = {}, int port = 80, int target = 8080,
             const std::string& port_extra = "") {
    seg_ = std::make_unique<Segment>(3, dsr);
    ASSERT_TRUE(seg_->ok()) << seg_->error();
    ASSERT_TRUE(seg_->StartBackends(target));
    services_ = seg_->dir() + "/services.yaml";
    std::ofstream(services_) << Services(port, target, 3, dsr ? 5353 : 53);
    std::vector<std::string> args = extra;
    args.push_back(std::string("--dpdk-mode=") + (dsr ? "dsr" : "nat"));
    proxy_ = seg_->StartProxy(services_, args, seg_->PortSpec(port_extra));
    ASSERT_GT(proxy_, 0) << Log();
  }

  std::string Log() const {
    std::ifstream in(seg_->proxy_log());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  Counts Count(const std::string& vip, int port, int n, bool udp = false) {
    std::string cmd = "timeout 120 " + seg_->bin("skiff-lbtest-client") + " --netns " +
                      seg_->client_ns() + " count " + vip + " " + std::to_string(port) + " " +
                      std::to_string(n) + (udp ? " udp" : "");
    std::string out;
    EXPECT_EQ(Sh(cmd, &out), 0) << out;
    Counts c;
    std::istringstream in(out);
    std::string key;
    int v;
    while (in >> key >> v) {
      if (key == "errors")
        c.errors = v;
      else if (key == "refused")
        c.refused = v;
      else
        c.by_backend[key] = v;
    }
    return c;
  }

  void ExpectAllBackends(const Counts& c, int n) {
    EXPECT_EQ(c.total(), n) << "errors " << c.errors << " refused " << c.refused;
    EXPECT_EQ(c.errors, 0);
    EXPECT_EQ(c.by_backend.size(), 3u);
    for (const auto& [b, k] : c.by_backend)
      EXPECT_GT(k, n / 10) << b;  // Maglev spreads flows evenly
  }

  void TearDown() override {
    if (seg_ && proxy_ > 0 && !HasFailure()) {
      // A clean stop: exit status 0, nothing left in /var/run/dpdk.
      EXPECT_EQ(seg_->Stop(proxy_), 0) << Log();
    }
    seg_.reset();
  }

  std::unique_ptr<Segment> seg_;
  std::string services_;
  pid_t proxy_ = -1;
};

TEST_F(DpdkNetnsTest, FullNatBalancesTcpAndUdpOverThreeBackends) {
  Start(false);
  ExpectAllBackends(Count(Segment::vip4(), 80, 300), 300);
  ExpectAllBackends(Count(Segment::vip6(), 80, 150), 150);
  ExpectAllBackends(Count(Segment::routed_vip(), 80, 150), 150);  // via the port address
  ExpectAllBackends(Count(Segment::vip4(), 53, 150, true), 150);
  ExpectAllBackends(Count(Segment::vip6(), 53, 90, true), 90);
  std::string m = seg_->Metrics();
  // 840 exchanges; a UDP socket may reuse an earlier tuple (a flow hit).
  EXPECT_GE(Segment::Sample(m, "skiff_dpdk_lcore_new_flows_total"), 800u);
  EXPECT_GT(Segment::Sample(m, "skiff_dpdk_lcore_arp_replies_total"), 0u);
  EXPECT_GT(Segment::Sample(m, "skiff_dpdk_lcore_nd_replies_total"), 0u);
  EXPECT_GT(Segment::Sample(m, "skiff_dpdk_port_packets_total", "direction=\"rx\""), 0u);
  EXPECT_GT(Segment::Sample(m, "skiff_proxy_service_new_flows_total", "default/web:http"), 0u);
  EXPECT_GT(Segment::Sample(m, "skiff_dpdk_flow_capacity"), 0u);
  // What `netctl lb stats --engine=dpdk` shows (fetched from inside the
  // proxy's namespace, where it listens).
  EXPECT_EQ(InNamespace(seg_->lb_ns(),
                        [] {
                          auto s = dataplane::dpdk::FetchStats("127.0.0.1:10250");
                          if (!s.ok() || s->ports.rows.size() != 1 || s->lcores.rows.empty())
                            return 1;
                          if (s->ports.rows[0][0] != "net_af_packet0") return 2;
                          if (std::atol(s->lcores.rows[0][4].c_str()) < 800) return 3;  // new flows
                          return dataplane::dpdk::RenderText(*s).find("default/web:http") ==
                                         std::string::npos
                                     ? 4
                                     : 0;
                        }),
            0);
  // A Service without endpoints refuses at once (TCP RST from the engine).
  Counts empty = Count("10.78.0.99", 80, 5);
  EXPECT_EQ(empty.refused, 5);
  // The VIPs answer ping.
  EXPECT_EQ(Sh("ip netns exec " + seg_->client_ns() + " ping -c 2 -W 2 -i 0.2 " + Segment::vip4()),
            0);
  EXPECT_EQ(
      Sh("ip netns exec " + seg_->client_ns() + " ping -6 -c 2 -W 2 -i 0.2 " + Segment::vip6()), 0);
}

TEST_F(DpdkNetnsTest, DsrReachesThreeBackendsThroughIpipDecapsulation) {
  // DSR: the backends serve the Service port themselves.
  Start(true, {}, 8080, 8080);
  ExpectAllBackends(Count(Segment::vip4(), 8080, 300), 300);
  ExpectAllBackends(Count(Segment::vip6(), 8080, 150), 150);
  ExpectAllBackends(Count(Segment::vip4(), 5353, 150, true), 150);
  ExpectAllBackends(Count(Segment::vip6(), 5353, 90, true), 90);
  std::string m = seg_->Metrics();
  // Replies bypass the engine: it sent about as many packets as it received.
  uint64_t rx = Segment::Sample(m, "skiff_dpdk_lcore_packets_total", "direction=\"rx\"");
  uint64_t tx = Segment::Sample(m, "skiff_dpdk_lcore_packets_total", "direction=\"tx\"");
  EXPECT_GT(rx, 600u);
  EXPECT_LE(tx, rx);
  EXPECT_EQ(Segment::Sample(m, "skiff_dpdk_lcore_handoff_in_total"), 0u);
  // A request larger than the tunnel allows: the engine answers "fragmentation
  // needed" / "packet too big" and the client's TCP adapts.
  for (const std::string& vip : {Segment::vip4(), Segment::vip6()})
    EXPECT_EQ(InNamespace(seg_->client_ns(), [&] { return EchoOnce(vip, 8080, 20000); }), 0) << vip;
  m = seg_->Metrics();
  EXPECT_GT(Segment::Sample(m, "skiff_dpdk_lcore_icmp_errors_total"), 0u);
  EXPECT_GT(Segment::Sample(m, "skiff_dpdk_lcore_drops_total", "reason=\"too_big\""), 0u);
}

TEST_F(DpdkNetnsTest, TableUpdatesApplyWhileConnectionsStayUp) {
  Start(false);
  std::string status = seg_->dir() + "/hold.status", stop = seg_->dir() + "/hold.stop";
  pid_t hold = seg_->Spawn("",
                           {seg_->bin("skiff-lbtest-client"), "--netns", seg_->client_ns(), "hold",
                            Segment::vip4(), "80", "60", status, stop},
                           seg_->dir() + "/hold.log");
  ASSERT_TRUE(seg_->WaitForLog(status, "rounds=", 5000));
  auto rounds = [&] {
    std::ifstream in(status);
    std::string st;
    std::getline(in, st);
    size_t p = st.find("rounds=");
    return p == std::string::npos ? 0 : std::atoi(st.c_str() + p + 7);
  };
  int rounds0 = rounds();
  uint64_t gen0 = Segment::Sample(seg_->Metrics(), "skiff_dpdk_table_generation");
  // Drop backend 2, then bring it back, several times: each is a new table
  // generation swapped under running lcores.
  for (int round = 0; round < 3; ++round) {
    std::ofstream(services_) << Services(80, 8080, 2);
    Sh("kill -HUP " + std::to_string(proxy_));
    bool only_two = false;
    for (int i = 0; i < 50 && !only_two; ++i) {
      Counts c = Count(Segment::vip4(), 80, 30);
      only_two = c.total() == 30 && !c.by_backend.count("b2");
      if (!only_two) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(only_two);
    std::ofstream(services_) << Services(80, 8080, 3);
    Sh("kill -HUP " + std::to_string(proxy_));
    bool three = false;
    for (int i = 0; i < 50 && !three; ++i)
      three = Count(Segment::vip4(), 80, 60).by_backend.size() == 3;
    EXPECT_TRUE(three);
  }
  EXPECT_GT(rounds(), rounds0) << "the held connection kept exchanging";
  std::ofstream(stop) << "stop";
  int rc = seg_->Stop(hold, 5000, /*signal=*/false);
  std::ifstream in(status);
  std::string st;
  std::getline(in, st);
  EXPECT_NE(st.find("error=none"), std::string::npos) << st;
  EXPECT_EQ(rc, 0) << st;
  EXPECT_GT(Segment::Sample(seg_->Metrics(), "skiff_dpdk_table_generation"), gen0 + 5);
  EXPECT_EQ(kill(proxy_, 0), 0) << "the proxy kept running";
}

TEST_F(DpdkNetnsTest, TwoWorkerLcoresShareTheLoad) {
  // Two RX/TX queue pairs (af_packet fans flows out over them); NAT replies
  // that land on the other lcore are handed to the owner of their SNAT port.
  Start(false, {"--dpdk-lcores=0-1"}, 80, 8080, ",qpairs=2");
  ExpectAllBackends(Count(Segment::vip4(), 80, 400), 400);
  ExpectAllBackends(Count(Segment::vip6(), 53, 150, true), 150);
  std::string m = seg_->Metrics();
  EXPECT_GT(Segment::Sample(m, "skiff_dpdk_lcore_packets_total", "lcore=\"1\",direction=\"rx\""),
            0u);
  EXPECT_GT(Segment::Sample(m, "skiff_dpdk_lcore_packets_total", "lcore=\"2\",direction=\"rx\""),
            0u);
  EXPECT_EQ(Segment::Sample(m, "skiff_dpdk_lcore_handoff_out_total"),
            Segment::Sample(m, "skiff_dpdk_lcore_handoff_in_total"));
}

TEST_F(DpdkNetnsTest, HugepagesAreUsedWhenReserved) {
  HugepageReservation res(160);  // 320 MB for --dpdk-memory-mb=256, given back at the end
  if (HugepageReservation::Free() < 128) GTEST_SKIP() << "could not reserve 2 MiB hugepages";
  Start(false, {"--dpdk-hugepages=on"});
  EXPECT_EQ(Log().find("--no-huge"), std::string::npos);
  ExpectAllBackends(Count(Segment::vip4(), 80, 150), 150);
  EXPECT_EQ(seg_->Stop(proxy_), 0);
  proxy_ = -1;
}

TEST_F(DpdkNetnsTest, ExceptionPortHandsOtherTrafficToTheKernel) {
  seg_ = std::make_unique<Segment>(3, false);
  ASSERT_TRUE(seg_->ok()) << seg_->error();
  ASSERT_TRUE(seg_->StartBackends());
  services_ = seg_->dir() + "/services.yaml";
  std::ofstream(services_) << Services(80, 8080, 3);
  std::string tap = "dkt" + std::to_string(getpid());
  proxy_ = seg_->StartProxy(
      services_, {"--dpdk-exception-port=net_tap0,iface=" + tap, "--dpdk-pass=non-ip,not-service"});
  ASSERT_GT(proxy_, 0) << Log();
  // The kernel owns 10.77.0.5 on the TAP; ARP and ping reach it through
  // the engine, and so does a TCP connection to a port no Service uses.
  ASSERT_EQ(Sh("ip -n " + seg_->lb_ns() + " addr add 10.77.0.5/24 dev " + tap + " && ip -n " +
               seg_->lb_ns() + " link set " + tap + " up"),
            0);
  EXPECT_EQ(Sh("ip netns exec " + seg_->client_ns() + " ping -c 2 -W 2 -i 0.2 10.77.0.5"), 0)
      << Log();
  std::string m = seg_->Metrics();
  EXPECT_GT(Segment::Sample(m, "skiff_dpdk_lcore_bad_packets_total",
                            "class=\"not-service\",action=\"passed\""),
            0u);
  EXPECT_GT(Segment::Sample(m, "skiff_dpdk_lcore_port_tx_packets_total", "port=\"exception\""), 0u);
  ExpectAllBackends(Count(Segment::vip4(), 80, 90), 90);
}

std::vector<uint8_t> Frame(const uint8_t* dmac, uint16_t type, const std::vector<uint8_t>& body) {
  std::vector<uint8_t> f(14 + body.size());
  const uint8_t smac[6] = {0x02, 0x77, 0, 0, 0, 0x02};
  std::memcpy(f.data(), dmac, 6);
  std::memcpy(f.data() + 6, smac, 6);
  f[12] = static_cast<uint8_t>(type >> 8);
  f[13] = static_cast<uint8_t>(type);
  std::copy(body.begin(), body.end(), f.begin() + 14);
  return f;
}

std::vector<uint8_t> Ipv4(uint8_t ihl_words, uint16_t frag, uint16_t total, uint8_t proto) {
  std::vector<uint8_t> ip(total, 0);
  ip[0] = static_cast<uint8_t>(0x40 | ihl_words);
  ip[2] = static_cast<uint8_t>(total >> 8);
  ip[3] = static_cast<uint8_t>(total);
  ip[6] = static_cast<uint8_t>(frag >> 8);
  ip[7] = static_cast<uint8_t>(frag);
  ip[8] = 64;
  ip[9] = proto;
  const uint8_t src[4] = {10, 77, 0, 2}, dst[4] = {10, 77, 0, 100};
  std::memcpy(&ip[12], src, 4);
  std::memcpy(&ip[16], dst, 4);
  uint32_t sum = 0;
  for (size_t i = 0; i < ihl_words * 4u; i += 2)
    sum += static_cast<uint32_t>(ip[i] << 8 | ip[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  ip[10] = static_cast<uint8_t>(~sum >> 8);
  ip[11] = static_cast<uint8_t>(~sum);
  return ip;
}

TEST_F(DpdkNetnsTest, BadInputIsCountedAndNeverStopsTheEngine) {
  Start(false);
  std::string mac_text;
  Sh("ip -n " + seg_->lb_ns() + " -br link show " + seg_->lb_dev() + " | awk '{print $3}'",
     &mac_text);
  uint8_t mac[6];
  ASSERT_EQ(sscanf(mac_text.c_str(), "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
                   &mac[3], &mac[4], &mac[5]),
            6);
  std::vector<std::vector<uint8_t>> frames;
  for (int i = 0; i < 20; ++i) {
    // An IPv6 fragment: the af_packet PMD joins a kernel fanout group with
    // PACKET_FANOUT_FLAG_DEFRAG, so IPv4 fragments reach DPDK reassembled
    // (IPv4 fragments are covered by the pipeline tests).
    std::vector<uint8_t> frag6(40 + 8 + 20, 0);
    frag6[0] = 0x60;
    frag6[5] = 28;  // payload length
    frag6[6] = 44;  // fragment header
    frag6[7] = 64;
    const uint8_t src6[16] = {0xfd, 0, 0, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    const uint8_t dst6[16] = {0xfd, 0, 0, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    std::memcpy(&frag6[8], src6, 16);
    std::memcpy(&frag6[24], dst6, 16);  // fd00:77::100, the IPv6 VIP
    frag6[40] = 6;                      // TCP after the fragment header
    frag6[43] = 1;                      // more fragments
    frames.push_back(Frame(mac, 0x86dd, frag6));
    frames.push_back(Frame(mac, 0x0800, Ipv4(6, 0, 60, 6)));            // IP options
    frames.push_back(Frame(mac, 0x88b5, std::vector<uint8_t>(46, 1)));  // not IP
    auto trunc = Frame(mac, 0x0800, Ipv4(5, 0, 60, 6));
    trunc.resize(14 + 24);  // IP header claims 60 bytes, frame has 24
    frames.push_back(trunc);
  }
  std::string dev = seg_->client_dev();
  ASSERT_EQ(InNamespace(seg_->client_ns(), [&] { return SendFrames(dev, frames); }), 0);
  ExpectAllBackends(Count(Segment::vip4(), 80, 90), 90);  // still serving
  std::string m = seg_->Metrics();
  // (Runts cannot cross a veth: the kernel pads short frames; the pipeline
  // tests cover them.)
  for (const char* cls : {"fragment", "ip-options", "truncated", "non-ip"})
    EXPECT_GE(Segment::Sample(m, "skiff_dpdk_lcore_bad_packets_total",
                              std::string("class=\"") + cls + "\",action=\"dropped\""),
              20u)
        << cls << "\n"
        << m;
  EXPECT_EQ(kill(proxy_, 0), 0);
}

TEST_F(DpdkNetnsTest, StartupErrorsNameTheOptionToChange) {
  seg_ = std::make_unique<Segment>(0, false);
  ASSERT_TRUE(seg_->ok()) << seg_->error();
  auto run = [&](const std::vector<std::string>& args) {
    std::string cmd = "ip netns exec " + seg_->lb_ns() + " " + seg_->bin("skiff-proxy") +
                      " --engine=dpdk --listen 127.0.0.1:0 --dpdk-memory-mb=128 --dpdk-mbufs=8191";
    for (const auto& a : args)
      cmd += " '" + a + "'";
    std::string out;
    int rc = Sh(cmd, &out);
    return std::make_pair(rc, out);
  };
  auto [rc1, out1] = run({"--dpdk-port=net_af_packet0,iface=nosuchdev0;addr=10.77.0.1/24"});
  EXPECT_EQ(rc1, 2);
  EXPECT_NE(out1.find("skiff-proxy: --dpdk-port net_af_packet0,iface=nosuchdev0"),
            std::string::npos)
      << out1;
  auto [rc2, out2] =
      run({"--dpdk-port=" + seg_->PortSpec(), "--dpdk-hugepages=on",
           "--dpdk-memory-mb=" + std::to_string(2 * HugepageReservation::Free() + 64)});
  EXPECT_EQ(rc2, 2);
  EXPECT_NE(out2.find("--dpdk-hugepages=on"), std::string::npos) << out2;
  auto [rc3, out3] = run({"--dpdk-port=" + seg_->PortSpec(), "--dpdk-lcores=0-1"});
  EXPECT_EQ(rc3, 2);
  EXPECT_NE(out3.find("qpairs=2"), std::string::npos) << out3;
  auto [rc4, out4] = run({"--dpdk-port=" + seg_->PortSpec(), "--dpdk-pass=fragment"});
  EXPECT_EQ(rc4, 2);
  EXPECT_NE(out4.find("--dpdk-exception-port"), std::string::npos) << out4;
  auto [rc5, out5] = run({"--dpdk-port=net_af_packet0,iface=x;addr=10.77.0.1"});
  EXPECT_EQ(rc5, 2);
  EXPECT_NE(out5.find("addr=10.77.0.1"), std::string::npos) << out5;
  auto [rc6, out6] = run({"--dpdk-port=" + seg_->PortSpec(), "--dpdk-mode=fast"});
  EXPECT_EQ(rc6, 2);
  EXPECT_NE(out6.find("--dpdk-mode"), std::string::npos) << out6;
  std::string left;
  Sh("ls /var/run/dpdk 2>/dev/null | grep -c skiff-", &left);
  EXPECT_EQ(std::atoi(left.c_str()), 0) << "EAL runtime directories left behind";
}

}  // namespace
}  // namespace skiff::dpdktest
