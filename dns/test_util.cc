#include "dns/test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/wire.h"

namespace skiff::dns::testing {

std::vector<uint8_t> MakeQuery(const std::string& name, uint16_t qtype, QueryOptions o) {
  std::vector<uint8_t> m(kHeaderSize, 0);
  Put16(m.data(), o.id);
  Put16(m.data() + 2, o.rd ? flag::kRD : 0);
  Put16(m.data() + 4, 1);
  Put16(m.data() + 10, o.edns_udp_size >= 0 ? 1 : 0);
  // Keep the caller's case: DottedToWire lowercases, so encode by hand.
  std::string n = name;
  if (!n.empty() && n.back() == '.') n.pop_back();
  size_t start = 0;
  while (!n.empty() && start <= n.size()) {
    size_t dot = n.find('.', start);
    if (dot == std::string::npos) dot = n.size();
    m.push_back(static_cast<uint8_t>(dot - start));
    m.insert(m.end(), n.begin() + start, n.begin() + dot);
    start = dot + 1;
  }
  m.push_back(0);
  uint8_t tail[4];
  Put16(tail, qtype);
  Put16(tail + 2, o.qclass);
  m.insert(m.end(), tail, tail + 4);
  if (o.edns_udp_size >= 0) {
    uint8_t opt[11] = {0};
    Put16(opt + 1, type::kOPT);
    Put16(opt + 3, static_cast<uint16_t>(o.edns_udp_size));
    opt[6] = o.edns_version;
    Put16(opt + 7, o.edns_do ? kEdnsDoBit : 0);
    m.insert(m.end(), opt, opt + 11);
  }
  return m;
}

std::string RR::ToString() const {
  char buf[64];
  switch (type) {
    case type::kA:
      if (rdata.size() == 4 && inet_ntop(AF_INET, rdata.data(), buf, sizeof buf)) {
        return std::string("A ") + buf;
      }
      break;
    case type::kAAAA:
      if (rdata.size() == 16 && inet_ntop(AF_INET6, rdata.data(), buf, sizeof buf)) {
        return std::string("AAAA ") + buf;
      }
      break;
    case type::kSRV:
      if (rdata.size() >= 6) {
        return "SRV " + std::to_string(Get16(rdata.data())) + " " +
               std::to_string(Get16(rdata.data() + 2)) + " " +
               std::to_string(Get16(rdata.data() + 4)) + " " + target;
      }
      break;
    case type::kCNAME:
      return "CNAME " + target;
    case type::kPTR:
      return "PTR " + target;
    case type::kNS:
      return "NS " + target;
    case type::kTXT:
      if (!rdata.empty()) return "TXT " + std::string(rdata.begin() + 1, rdata.end());
      break;
    case type::kSOA:
      return "SOA " + target;
  }
  return "TYPE" + std::to_string(type);
}

std::vector<std::string> Response::AnswerStrings() const {
  std::vector<std::string> out;
  for (const RR& rr : answer)
    out.push_back(rr.ToString());
  return out;
}

Response Decode(const uint8_t* msg, size_t len) {
  Response r;
  if (len < kHeaderSize) return r;
  r.id = Get16(msg);
  r.flags = Get16(msg + 2);
  r.rcode = r.flags & 0xF;
  r.qdcount = Get16(msg + 4);
  size_t counts[3] = {Get16(msg + 6), Get16(msg + 8), Get16(msg + 10)};
  size_t off = kHeaderSize;
  uint8_t name[kMaxNameLen];
  size_t next = 0;
  for (unsigned i = 0; i < r.qdcount; ++i) {
    size_t n = ReadName(msg, len, off, name, &next);
    if (n == 0 || next + 4 > len) return r;
    r.qname = WireToDotted(name, n);
    off = next + 4;
  }
  std::vector<RR>* sections[3] = {&r.answer, &r.authority, &r.additional};
  for (int s = 0; s < 3; ++s) {
    for (size_t i = 0; i < counts[s]; ++i) {
      size_t n = ReadName(msg, len, off, name, &next);
      if (n == 0 || next + 10 > len) return r;
      RR rr;
      rr.name = WireToDotted(name, n);
      rr.type = Get16(msg + next);
      rr.klass = Get16(msg + next + 2);
      rr.ttl = Get32(msg + next + 4);
      size_t rdlen = Get16(msg + next + 8);
      size_t rd = next + 10;
      if (rd + rdlen > len) return r;
      rr.rdata.assign(msg + rd, msg + rd + rdlen);
      size_t name_at = rd;
      if (rr.type == type::kSRV) name_at = rd + 6;
      if (rr.type == type::kSRV || rr.type == type::kCNAME || rr.type == type::kPTR ||
          rr.type == type::kNS || rr.type == type::kSOA) {
        size_t tn = ReadName(msg, len, name_at, name, &next);
        if (tn == 0) return r;
        rr.target = WireToDotted(name, tn);
      }
      off = rd + rdlen;
      if (rr.type == type::kOPT) {
        r.has_opt = true;
        r.opt_udp_size = rr.klass;
        r.opt_ext_rcode = static_cast<uint8_t>(rr.ttl >> 24);
        continue;
      }
      sections[s]->push_back(std::move(rr));
    }
  }
  r.ok = true;
  return r;
}

int ConnectLoopback(int type, uint16_t port) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace skiff::dns::testing
