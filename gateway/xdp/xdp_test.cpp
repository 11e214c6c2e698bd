// Lab tests of the AF_XDP backend on veth pairs between two network
// namespaces created here (root; LABEL lab). The test process switches its
// (single) thread between the namespaces with setns(); every interface
// lives in a namespace of the test, and the namespaces are deleted at the
// end (and those of a killed earlier run at the start).
#define BOOST_TEST_MODULE xdp_test
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/frame_pool.hpp"
#include "testing/skip.hpp"
#include "xdp/umem.hpp"
#include "xdp/xdp_program.hpp"
#include "xdp/xsk_port.hpp"

using namespace strait;
using Bytes = std::vector<std::uint8_t>;

namespace {

std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr)
    output += buffer;
  if (pclose(pipe) != 0) throw std::runtime_error(command + " failed: " + output);
  return output;
}

int open_ns(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  return fd;
}

void enter(int ns_fd) {
  if (setns(ns_fd, CLONE_NEWNET) != 0) throw std::runtime_error("setns failed");
}

constexpr const char* kPrefix = "strait-xsk-";  // no "xdp": the link text is searched for it

// Two namespaces: "gw" (the gateway) and "peer", joined by two veth pairs:
// pub0 (gw) - pub1 (peer) and priv0 (gw) - priv1 (peer). The kernel of gw
// owns 10.77.1.1 / fd77:1::1 on pub0; the gateway's own public addresses
// are 10.77.1.10 / fd77:1::10 (the interface is shared with the host).
struct Lab {
  std::string gw = kPrefix + std::to_string(getpid()) + "-gw";
  std::string peer = kPrefix + std::to_string(getpid()) + "-peer";
  int root_fd = -1, gw_fd = -1, peer_fd = -1;

  Lab() {
    remove_stale_namespaces();
    root_fd = open_ns("/proc/thread-self/ns/net");
    try {
      run("ip netns add " + gw);
      run("ip netns add " + peer);
      // One queue each: frames must reach the queue the socket is bound to.
      for (const std::string pair : {"pub", "priv"})
        run("ip link add " + pair + "0 numtxqueues 1 numrxqueues 1 netns " + gw +
            " type veth peer name " + pair + "1 numtxqueues 1 numrxqueues 1 netns " + peer);
      for (const auto& [ns, dev, v4, v6] :
           {std::array<std::string, 4>{gw, "pub0", "10.77.1.1/24", "fd77:1::1/64"},
            {peer, "pub1", "10.77.1.2/24", "fd77:1::2/64"},
            {gw, "priv0", "10.77.2.1/24", "fd77:2::1/64"},
            {peer, "priv1", "10.77.2.2/24", "fd77:2::2/64"}}) {
        run("ip -n " + ns + " addr add " + v4 + " dev " + dev);
        run("ip -n " + ns + " addr add " + v6 + " dev " + dev + " nodad");
        run("ip netns exec " + ns + " ethtool --offload " + dev + " rx off tx off");
        run("ip -n " + ns + " link set " + dev + " up");
      }
      run("ip -n " + gw + " link set lo up");
      run("ip -n " + peer + " link set lo up");
      gw_fd = open_ns("/run/netns/" + gw);
      peer_fd = open_ns("/run/netns/" + peer);
      enter(gw_fd);  // the gateway's side is the test's home
    } catch (...) {
      remove();
      throw;
    }
  }
  ~Lab() {
    if (root_fd >= 0) setns(root_fd, CLONE_NEWNET);
    remove();
  }
  void remove() noexcept {
    std::system(("ip netns del " + gw + " 2>/dev/null").c_str());
    std::system(("ip netns del " + peer + " 2>/dev/null").c_str());
  }
  static void remove_stale_namespaces() {
    const std::string list = run("ip netns list");
    std::size_t at = 0;
    while ((at = list.find(kPrefix, at)) != std::string::npos) {
      const std::size_t end = list.find_first_of(" \n", at);
      const std::string name = list.substr(at, end - at);
      const long pid = std::strtol(name.c_str() + std::strlen(kPrefix), nullptr, 10);
      if (pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0)
        std::system(("ip netns del " + name + " 2>/dev/null").c_str());
      at = end;
    }
  }
  // Runs `body` with the thread in the peer namespace.
  void in_peer(const std::function<void()>& body) const {
    enter(peer_fd);
    try {
      body();
    } catch (...) {
      enter(gw_fd);
      throw;
    }
    enter(gw_fd);
  }
  std::string link(const std::string& dev) const {
    return run("ip -d -n " + gw + " link show " + dev);
  }
};

Lab* lab = nullptr;

struct LabFixture {
  LabFixture() {
    // Skipped (exit 77) without root or the tools the namespaces need.
    strait::testing::skip_unless_lab({"ip", "ethtool"});
    lab = new Lab;
  }
  ~LabFixture() {
    delete lab;
    lab = nullptr;
  }
};
BOOST_TEST_GLOBAL_FIXTURE(LabFixture);

// --- frames ---------------------------------------------------------------

using Mac = std::array<std::uint8_t, 6>;

Mac mac_of(const std::string& dev) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ifreq request{};
  std::strncpy(request.ifr_name, dev.c_str(), IFNAMSIZ - 1);
  const int rc = ioctl(fd, SIOCGIFHWADDR, &request);
  ::close(fd);
  if (rc != 0) throw std::runtime_error("no MAC for " + dev);
  Mac mac;
  std::memcpy(mac.data(), request.ifr_hwaddr.sa_data, 6);
  return mac;
}

void put16(Bytes& b, std::size_t at, unsigned v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

unsigned checksum(const std::uint8_t* data, std::size_t n, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < n; i += 2)
    sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
  if (n & 1) sum += static_cast<std::uint32_t>(data[n - 1] << 8);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

std::array<std::uint8_t, 4> v4(const char* text) {
  std::array<std::uint8_t, 4> a;
  inet_pton(AF_INET, text, a.data());
  return a;
}
std::array<std::uint8_t, 16> v6(const char* text) {
  std::array<std::uint8_t, 16> a;
  inet_pton(AF_INET6, text, a.data());
  return a;
}

Bytes ethernet(const Mac& dst, const Mac& src, unsigned type, const Bytes& payload) {
  Bytes f(14);
  std::memcpy(f.data(), dst.data(), 6);
  std::memcpy(f.data() + 6, src.data(), 6);
  put16(f, 12, type);
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

Bytes ipv4(const char* src, const char* dst, std::uint8_t proto, const Bytes& payload) {
  Bytes h(20);
  h[0] = 0x45;
  put16(h, 2, 20 + static_cast<unsigned>(payload.size()));
  h[8] = 64;
  h[9] = proto;
  const auto s = v4(src), d = v4(dst);
  std::memcpy(&h[12], s.data(), 4);
  std::memcpy(&h[16], d.data(), 4);
  put16(h, 10, checksum(h.data(), 20));
  h.insert(h.end(), payload.begin(), payload.end());
  return h;
}

Bytes ipv6(const char* src, const char* dst, std::uint8_t next, Bytes payload) {
  Bytes h(40);
  h[0] = 0x60;
  put16(h, 4, static_cast<unsigned>(payload.size()));
  h[6] = next;
  h[7] = 255;
  const auto s = v6(src), d = v6(dst);
  std::memcpy(&h[8], s.data(), 16);
  std::memcpy(&h[24], d.data(), 16);
  // Upper-layer checksum (UDP at 6, ICMPv6 at 2) over the pseudo header.
  if (next == IPPROTO_UDP || next == IPPROTO_ICMPV6) {
    std::uint32_t sum = 0;
    for (int i = 8; i < 40; i += 2)
      sum += static_cast<std::uint32_t>(h[i] << 8 | h[i + 1]);
    sum += static_cast<std::uint32_t>(payload.size()) + next;
    const std::size_t at = next == IPPROTO_UDP ? 6 : 2;
    put16(payload, at, 0);
    put16(payload, at, checksum(payload.data(), payload.size(), sum));
  }
  h.insert(h.end(), payload.begin(), payload.end());
  return h;
}

Bytes udp(unsigned sport, unsigned dport, const Bytes& data) {
  Bytes u(8);
  put16(u, 0, sport);
  put16(u, 2, dport);
  put16(u, 4, 8 + static_cast<unsigned>(data.size()));
  u.insert(u.end(), data.begin(), data.end());
  return u;  // IPv4 checksum 0: none
}

Bytes tag(const std::string& text) {
  return Bytes(text.begin(), text.end());
}

Bytes esp(const std::string& text) {
  Bytes e{0, 0, 0x10, 0x01, 0, 0, 0, 1};  // SPI, sequence number
  const Bytes t = tag(text);
  e.insert(e.end(), t.begin(), t.end());
  return e;
}

Bytes icmp_echo(std::uint8_t type, const std::string& text) {
  Bytes m{type, 0, 0, 0, 0, 1, 0, 1};
  const Bytes t = tag(text);
  m.insert(m.end(), t.begin(), t.end());
  if (type == 8) put16(m, 2, checksum(m.data(), m.size()));
  return m;
}

Bytes tcp_syn(unsigned sport, unsigned dport, const std::string& text) {
  Bytes t(20);
  put16(t, 0, sport);
  put16(t, 2, dport);
  t[12] = 0x50;
  t[13] = 0x02;  // SYN
  put16(t, 14, 1024);
  const Bytes x = tag(text);
  t.insert(t.end(), x.begin(), x.end());
  return t;
}

Bytes arp_request(const Mac& sender, const char* sender_ip, const char* target_ip) {
  Bytes a{0, 1, 8, 0, 6, 4, 0, 1};
  a.insert(a.end(), sender.begin(), sender.end());
  const auto s = v4(sender_ip), t = v4(target_ip);
  a.insert(a.end(), s.begin(), s.end());
  a.insert(a.end(), 6, 0);
  a.insert(a.end(), t.begin(), t.end());
  return a;
}

Bytes neighbour_solicitation(const char* target) {
  Bytes m(24);
  m[0] = 135;
  const auto t = v6(target);
  std::memcpy(&m[8], t.data(), 16);
  return m;
}

bool contains(const std::uint8_t* data, std::size_t n, const Bytes& needle) {
  if (needle.empty() || n < needle.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= n; ++i)
    if (std::memcmp(data + i, needle.data(), needle.size()) == 0) return true;
  return false;
}

// An AF_PACKET socket on a veth end (created in the current namespace).
struct RawSocket {
  int fd = -1;
  int ifindex = 0;
  explicit RawSocket(const std::string& dev) {
    fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) throw std::runtime_error("AF_PACKET socket failed");
    ifindex = static_cast<int>(if_nametoindex(dev.c_str()));
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_ALL);
    address.sll_ifindex = ifindex;
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      throw std::runtime_error("AF_PACKET bind failed");
  }
  ~RawSocket() { ::close(fd); }
  void send(const Bytes& frame) const {
    if (::send(fd, frame.data(), frame.size(), 0) != static_cast<ssize_t>(frame.size()))
      throw std::runtime_error("AF_PACKET send failed");
  }
  // Waits up to a second for an incoming frame containing `needle`.
  bool receives(const Bytes& needle) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    std::uint8_t buffer[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      sockaddr_ll from{};
      socklen_t length = sizeof from;
      const ssize_t n =
          recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &length);
      if (n > 0 && from.sll_pkttype != PACKET_OUTGOING &&
          contains(buffer, static_cast<std::size_t>(n), needle))
        return true;
    }
    return false;
  }
};

// A UDP socket of the kernel (current namespace).
struct UdpSocket {
  int fd = -1;
  UdpSocket(int family, const char* address, unsigned port) {
    fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_storage storage{};
    socklen_t length;
    if (family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&storage);
      a->sin_family = AF_INET;
      a->sin_port = htons(static_cast<std::uint16_t>(port));
      inet_pton(AF_INET, address, &a->sin_addr);
      length = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(static_cast<std::uint16_t>(port));
      inet_pton(AF_INET6, address, &a->sin6_addr);
      length = sizeof *a;
    }
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0)
      throw std::runtime_error(std::string("cannot bind UDP socket to ") + address);
  }
  ~UdpSocket() { ::close(fd); }
  bool receives(const Bytes& needle) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    std::uint8_t buffer[2048];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n > 0 && contains(buffer, static_cast<std::size_t>(n), needle)) return true;
    }
    return false;
  }
};

// Polls the port for up to `wait`; returns the received packets whose frame
// contains `needle` (the others go back to the pool).
std::vector<io::Packet*> receive_matching(
    xdp::XskPort& port, const Bytes& needle,
    std::chrono::milliseconds wait = std::chrono::milliseconds(1000)) {
  std::vector<io::Packet*> found;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline && found.empty()) {
    std::array<io::Packet*, 32> batch;
    const std::size_t n = port.receive(batch);
    for (std::size_t i = 0; i < n; ++i) {
      if (contains(batch[i]->data, batch[i]->length, needle))
        found.push_back(batch[i]);
      else
        port.release(batch[i]);
    }
    if (n == 0) {
      pollfd p{port.fd(), POLLIN, 0};
      poll(&p, 1, 20);
    }
  }
  return found;
}

// Receives frames for up to `wait`, or until every needle was seen; returns
// copies of all of them (the packets go back to the pool).
std::vector<Bytes> drain(xdp::XskPort& port, const std::vector<Bytes>& needles,
                         std::chrono::milliseconds wait) {
  std::vector<Bytes> frames;
  std::vector<bool> seen(needles.size(), false);
  std::size_t missing = needles.size();
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline && (missing > 0 || needles.empty())) {
    std::array<io::Packet*, 32> batch;
    const std::size_t n = port.receive(batch);
    for (std::size_t i = 0; i < n; ++i) {
      frames.emplace_back(batch[i]->data, batch[i]->data + batch[i]->length);

      for (std::size_t k = 0; k < needles.size(); ++k) {
        if (!seen[k] && contains(batch[i]->data, batch[i]->length, needles[k])) {
          seen[k] = true;
          --missing;
        }
      }
      port.release(batch[i]);
    }
    if (n == 0) {
      pollfd p{port.fd(), POLLIN, 0};
      poll(&p, 1, 20);
    }
  }
  return frames;
}

bool has(const std::vector<Bytes>& frames, const Bytes& needle) {
  for (const Bytes& f : frames)
    if (contains(f.data(), f.size(), needle)) return true;
  return false;
}

struct Backend {
  std::unique_ptr<io::FramePool> pool;
  std::unique_ptr<xdp::Umem> umem;
  Backend() {
    auto p = io::FramePool::create(4096, 4096);
    BOOST_REQUIRE(p.ok());
    pool = std::move(*p);
    auto u = xdp::Umem::create(*pool, {512, 512});
    BOOST_REQUIRE_MESSAGE(u.ok(), (u.ok() ? "" : u.error().message));
    umem = std::move(*u);
  }
};

xdp::PortOptions public_options(xdp::Mode mode) {
  xdp::PortOptions o;
  o.ifname = "pub0";
  o.public_side = true;
  o.addresses = {*net::Address::parse("10.77.1.10"), *net::Address::parse("fd77:1::10")};
  o.protocol_port = 303;
  o.mode = mode;
  o.rx_size = o.tx_size = 512;
  return o;
}

xdp::PortOptions private_options(xdp::Mode mode) {
  xdp::PortOptions o;
  o.ifname = "priv0";
  o.mode = mode;
  o.rx_size = o.tx_size = 512;
  return o;
}

std::unique_ptr<xdp::XskPort> open_port(xdp::Umem& umem, const xdp::PortOptions& options) {
  auto port = xdp::XskPort::open(umem, options);
  BOOST_REQUIRE_MESSAGE(port.ok(), (port.ok() ? "" : port.error().message));
  return std::move(*port);
}

const char* name(xdp::Mode mode) {
  return mode == xdp::Mode::kNative ? "native" : "generic";
}

const xdp::Mode kModes[] = {xdp::Mode::kNative, xdp::Mode::kGeneric};

}  // namespace

BOOST_AUTO_TEST_CASE(umem_rejects_frames_the_kernel_cannot_use) {
  auto pool = io::FramePool::create(1024, 64);
  BOOST_REQUIRE(pool.ok());
  BOOST_TEST(!xdp::Umem::create(**pool).ok());
}

BOOST_AUTO_TEST_CASE(public_side_gets_only_the_gateway_traffic) {
  const Mac gw_mac = mac_of("pub0");
  for (const xdp::Mode mode : kModes) {
    BOOST_TEST_CONTEXT(name(mode)) {
      Backend backend;
      auto port = open_port(*backend.umem, public_options(mode));
      BOOST_TEST((port->mode() == mode));
      BOOST_TEST(lab->link("pub0").find(mode == xdp::Mode::kNative ? "xdp " : "xdpgeneric") !=
                 std::string::npos);
      UdpSocket kernel_udp(AF_INET, "10.77.1.1", 9999);
      UdpSocket kernel_udp303(AF_INET, "10.77.1.1", 303);
      lab->in_peer([&] {
        const RawSocket wire("pub1");
        const Mac peer_mac = mac_of("pub1");
        const std::string m = name(mode);
        auto v4frame = [&](const char* dst, std::uint8_t proto, const Bytes& l4) {
          return ethernet(gw_mac, peer_mac, 0x0800, ipv4("10.77.1.2", dst, proto, l4));
        };
        auto v6frame = [&](const char* dst, std::uint8_t next, const Bytes& l4) {
          return ethernet(gw_mac, peer_mac, 0x86dd, ipv6("fd77:1::2", dst, next, l4));
        };
        // To the socket.
        const struct {
          std::string tag;
          Bytes frame;
        } wanted[] = {
            {"esp4-" + m, v4frame("10.77.1.10", 50, esp("esp4-" + m))},
            {"udp4-" + m, v4frame("10.77.1.10", 17, udp(303, 303, tag("udp4-" + m)))},
            {"icmp4-" + m, v4frame("10.77.1.10", 1, icmp_echo(8, "icmp4-" + m))},
            {"esp6-" + m, v6frame("fd77:1::10", 50, esp("esp6-" + m))},
            {"udp6-" + m, v6frame("fd77:1::10", 17, udp(4500, 303, tag("udp6-" + m)))},
            {"icmp6-" + m, v6frame("fd77:1::10", 58, icmp_echo(128, "icmp6-" + m))},
        };
        for (const auto& w : wanted)
          wire.send(w.frame);
        // ARP for the gateway's address, and a neighbour solicitation for
        // it (to its solicited-node multicast group).
        wire.send(ethernet({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, peer_mac, 0x0806,
                           arp_request(peer_mac, "10.77.1.2", "10.77.1.10")));
        Bytes ns = ipv6("fd77:1::2", "ff02::1:ff00:10", 58, neighbour_solicitation("fd77:1::10"));
        wire.send(ethernet({0x33, 0x33, 0xff, 0x00, 0x00, 0x10}, peer_mac, 0x86dd, ns));
        enter(lab->gw_fd);
        const auto target = v6("fd77:1::10");
        std::vector<Bytes> needles{Bytes{0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1},
                                   Bytes(target.begin(), target.end())};
        for (const auto& w : wanted)
          needles.push_back(tag(w.tag));
        const auto frames = drain(*port, needles, std::chrono::milliseconds(2000));
        for (const auto& w : wanted)
          BOOST_TEST(has(frames, tag(w.tag)), w.tag);
        BOOST_TEST(has(frames, needles[0]), "arp");
        BOOST_TEST(has(frames, needles[1]), "nd");
        enter(lab->peer_fd);

        // Not to the socket: other ports and protocols for the gateway's
        // address, and the host's own traffic.
        const struct {
          std::string tag;
          Bytes frame;
        } unwanted[] = {
            {"tcp-" + m, v4frame("10.77.1.10", 6, tcp_syn(40000, 22, "tcp-" + m))},
            {"udp9999-" + m, v4frame("10.77.1.10", 17, udp(303, 9999, tag("udp9999-" + m)))},
            {"udp6-9999-" + m, v6frame("fd77:1::10", 17, udp(303, 9999, tag("udp6-9999-" + m)))},
            {"host9999-" + m, v4frame("10.77.1.1", 17, udp(1234, 9999, tag("host9999-" + m)))},
            {"host303-" + m, v4frame("10.77.1.1", 17, udp(1234, 303, tag("host303-" + m)))},
        };
        for (const auto& u : unwanted)
          wire.send(u.frame);
        enter(lab->gw_fd);
        const auto others = drain(*port, {}, std::chrono::milliseconds(300));
        for (const auto& u : unwanted)
          BOOST_TEST(!has(others, tag(u.tag)), u.tag);
        // The kernel got the host's traffic.
        BOOST_TEST(kernel_udp.receives(tag("host9999-" + m)));
        BOOST_TEST(kernel_udp303.receives(tag("host303-" + m)));
        enter(lab->peer_fd);
      });

      // A TCP connection to the host (think SSH) still works: ARP, ND and
      // TCP of the host's address go to the kernel.
      const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(2222);
      inet_pton(AF_INET, "10.77.1.1", &address.sin_addr);
      int one = 1;
      setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      BOOST_REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
      BOOST_REQUIRE(listen(listener, 4) == 0);
      int client = -1;
      lab->in_peer([&] {
        run("ip -n " + lab->peer + " neigh flush dev pub1");
        client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      });
      timeval timeout{2, 0};
      setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
      BOOST_TEST(connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
      ::close(client);
      ::close(listener);
    }
  }
}

BOOST_AUTO_TEST_CASE(private_side_gets_everything) {
  const Mac gw_mac = mac_of("priv0");
  for (const xdp::Mode mode : kModes) {
    BOOST_TEST_CONTEXT(name(mode)) {
      Backend backend;
      auto port = open_port(*backend.umem, private_options(mode));
      UdpSocket kernel_udp(AF_INET, "10.77.2.1", 9999);
      const std::string m = name(mode);
      lab->in_peer([&] {
        const RawSocket wire("priv1");
        const Mac peer_mac = mac_of("priv1");
        wire.send(ethernet(gw_mac, peer_mac, 0x0800,
                           ipv4("10.77.2.2", "10.77.2.1", 6, tcp_syn(40000, 22, "ptcp-" + m))));
        wire.send(ethernet(gw_mac, peer_mac, 0x0800,
                           ipv4("10.77.2.2", "10.77.2.1", 17, udp(1, 9999, tag("pudp-" + m)))));
        wire.send(ethernet(gw_mac, peer_mac, 0x0800,
                           ipv4("10.77.2.2", "192.0.2.7", 17, udp(1, 7, tag("pfwd-" + m)))));
        wire.send(ethernet(gw_mac, peer_mac, 0x88b5, tag("pexp-" + m)));  // local experimental
      });
      std::vector<Bytes> needles;
      for (const char* t : {"ptcp-", "pudp-", "pfwd-", "pexp-"})
        needles.push_back(tag(t + m));
      const auto frames = drain(*port, needles, std::chrono::milliseconds(2000));
      for (const Bytes& needle : needles)
        BOOST_TEST(has(frames, needle), std::string(needle.begin(), needle.end()));
      BOOST_TEST(!kernel_udp.receives(tag("pudp-" + m)));
    }
  }
}

BOOST_AUTO_TEST_CASE(frames_move_between_interfaces_without_copy) {
  const Mac gw_mac = mac_of("priv0");
  for (const xdp::Mode mode : kModes) {
    BOOST_TEST_CONTEXT(name(mode)) {
      Backend backend;
      io::FramePool& pool = *backend.pool;
      auto priv = open_port(*backend.umem, private_options(mode));
      auto pub = open_port(*backend.umem, public_options(mode));
      const std::string m = name(mode);
      const std::size_t idle = pool.available();
      BOOST_TEST_MESSAGE(name(mode)
                         << ": zero-copy " << (pub->zero_copy() ? "yes" : "no (copy mode)"));
      std::unique_ptr<RawSocket> pub_wire;
      lab->in_peer([&] {
        pub_wire = std::make_unique<RawSocket>("pub1");
        const RawSocket wire("priv1");
        wire.send(ethernet(gw_mac, mac_of("priv1"), 0x0800,
                           ipv4("10.77.2.2", "10.77.1.2", 17, udp(1, 7, tag("fwd-" + m)))));
      });
      auto found = receive_matching(*priv, tag("fwd-" + m));
      BOOST_REQUIRE_EQUAL(found.size(), 1u);
      io::Packet* p = found[0];
      // The packet is a frame of the pool, its data written by the kernel in
      // place after the descriptor and headroom.
      BOOST_TEST(p->pool == &pool);
      const auto* frame = reinterpret_cast<std::uint8_t*>(p);
      BOOST_TEST(frame == pool.memory() + std::size_t{p->index} * pool.frame_size());
      BOOST_TEST(p->data == frame + sizeof(io::Packet) + io::kDefaultHeadroom + 256);
      BOOST_TEST(p->data + p->length <= p->end);
      BOOST_TEST(p->headroom() >= io::kDefaultHeadroom);
      // Rewrite the Ethernet header in place and send the same frame out
      // of the public interface.
      const Mac peer_pub = [&] {
        Mac mac{};
        lab->in_peer([&] { mac = mac_of("pub1"); });
        return mac;
      }();
      std::memcpy(p->data, peer_pub.data(), 6);
      const Mac pub_mac = mac_of("pub0");
      std::memcpy(p->data + 6, pub_mac.data(), 6);
      io::Packet* const out[] = {p};
      pub->transmit(out);
      BOOST_TEST(pub->counters().txpackets == 1u);
      BOOST_TEST(pub->counters().txdrop == 0u);

      // A packet the gateway originates, and one of another backend's pool
      // (copied once into the UMEM).
      io::Packet* own = pub->allocate();
      BOOST_REQUIRE(own != nullptr);
      const Bytes originated = ethernet(peer_pub, pub_mac, 0x88b5, tag("own-" + m));
      std::memcpy(own->data, originated.data(), originated.size());
      own->length = static_cast<std::uint32_t>(originated.size());
      auto other = io::FramePool::create(2048, 4);
      BOOST_REQUIRE(other.ok());
      io::Packet* foreign = (*other)->allocate();
      const Bytes copied = ethernet(peer_pub, pub_mac, 0x88b5, tag("foreign-" + m));
      std::memcpy(foreign->data, copied.data(), copied.size());
      foreign->length = static_cast<std::uint32_t>(copied.size());
      io::Packet* const more[] = {own, foreign};
      pub->transmit(more);
      BOOST_TEST((*other)->available() == 4u);  // the foreign frame went home

      lab->in_peer([&] {
        BOOST_TEST(pub_wire->receives(tag("fwd-" + m)));
        BOOST_TEST(pub_wire->receives(tag("own-" + m)));
        BOOST_TEST(pub_wire->receives(tag("foreign-" + m)));
        pub_wire.reset();
      });
      // The sent frames came back to the pool through the completion rings.
      std::array<io::Packet*, 8> none;
      for (int i = 0; i < 50 && pool.available() != idle; ++i) {
        for (std::size_t k = pub->receive(none); k > 0; --k)
          pub->release(none[k - 1]);
        usleep(10000);
      }
      BOOST_TEST(pool.available() == idle);
    }
  }
}

BOOST_AUTO_TEST_CASE(destruction_detaches_the_program) {
  for (const xdp::Mode mode : kModes) {
    BOOST_TEST_CONTEXT(name(mode)) {
      {
        Backend backend;
        auto pub = open_port(*backend.umem, public_options(mode));
        auto priv = open_port(*backend.umem, private_options(mode));
        // One socket per queue and UMEM; no such interface.
        BOOST_TEST(!xdp::XskPort::open(*backend.umem, public_options(mode)).ok());
        auto missing = private_options(mode);
        missing.ifname = "nosuch0";
        BOOST_TEST(!xdp::XskPort::open(*backend.umem, missing).ok());
        BOOST_TEST(lab->link("pub0").find("xdp") != std::string::npos);
        BOOST_TEST(lab->link("priv0").find("xdp") != std::string::npos);
        pub.reset();
        priv.reset();
      }
      BOOST_TEST(lab->link("pub0").find("xdp") == std::string::npos, lab->link("pub0"));
      BOOST_TEST(lab->link("priv0").find("xdp") == std::string::npos, lab->link("priv0"));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_killed_instance_program_is_removed_at_the_next_start) {
  const int ifindex = static_cast<int>(if_nametoindex("pub0"));
  for (const xdp::Mode mode : kModes) {
    BOOST_TEST_CONTEXT(name(mode)) {
      int pipe_fds[2];
      BOOST_REQUIRE(pipe(pipe_fds) == 0);
      const pid_t child = fork();
      BOOST_REQUIRE(child >= 0);
      if (child == 0) {
        // Attach and die without detaching.
        auto program = xdp::XdpProgram::attach(ifindex, {}, mode);
        std::uint32_t id = program.ok() ? (*program)->id() : 0;
        if (write(pipe_fds[1], &id, sizeof id) != sizeof id) _exit(2);
        _exit(0);
      }
      ::close(pipe_fds[1]);
      std::uint32_t stale_id = 0;
      BOOST_TEST(read(pipe_fds[0], &stale_id, sizeof stale_id) ==
                 static_cast<ssize_t>(sizeof stale_id));
      ::close(pipe_fds[0]);
      int status = 0;
      waitpid(child, &status, 0);
      BOOST_REQUIRE(stale_id != 0u);
      const std::string id_text = "id " + std::to_string(stale_id) + " ";
      BOOST_TEST(lab->link("pub0").find(id_text) != std::string::npos);
      {
        Backend backend;
        auto port = open_port(*backend.umem, public_options(mode));
        const std::string shown = lab->link("pub0");
        BOOST_TEST(shown.find(id_text) == std::string::npos);
        BOOST_TEST(shown.find("id " + std::to_string(port->program().id()) + " ") !=
                   std::string::npos);
      }
      BOOST_TEST(lab->link("pub0").find("xdp") == std::string::npos, lab->link("pub0"));
    }
  }
}

// With a bpffs, libxdp tries its dispatcher (the program becomes one of its
// components) and falls back to the single program where the kernel refuses
// the dispatcher (as on the development machine: EPERM loading it). Either
// way a stale program is removed and the program detached. Runs in a child
// process with a private mount namespace (the bpffs
// mounted there disappears with it); the child reports failed checks in
// its exit status.
BOOST_AUTO_TEST_CASE(with_a_bpffs_stale_programs_are_removed_too) {
  const pid_t child = fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    int failed = 0;
    auto check = [&](bool ok, int bit, const char* what) {
      if (!ok) {
        std::fprintf(stderr, "dispatcher check failed: %s\n", what);
        failed |= bit;
      }
    };
    if (unshare(CLONE_NEWNS) != 0 ||
        mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        mount("bpf", "/sys/fs/bpf", "bpf", 0, nullptr) != 0)
      _exit(100);
    const int ifindex = static_cast<int>(if_nametoindex("pub0"));
    // A "killed" instance: a grandchild attaches and exits.
    const pid_t killed = fork();
    if (killed == 0) {
      auto program = xdp::XdpProgram::attach(ifindex, {}, xdp::Mode::kNative);
      _exit(program.ok() ? 0 : 1);
    }
    int status = 0;
    waitpid(killed, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, 1,
          "stale program attached via dispatcher");
    {
      Backend backend;
      auto port = xdp::XskPort::open(*backend.umem, public_options(xdp::Mode::kNative));
      check(port.ok(), 2, port.ok() ? "" : port.error().message.c_str());
      if (port.ok()) {
        std::fprintf(stderr, "libxdp dispatcher in use: %s\n",
                     (*port)->program().dispatched() ? "yes" : "no");
        const std::string id = "id " + std::to_string((*port)->program().id()) + " ";
        check(lab->link("pub0").find(id) != std::string::npos || (*port)->program().dispatched(), 4,
              "attached");
      }
    }
    const std::string shown = lab->link("pub0");
    check(shown.find("xdp") == std::string::npos, 16, "detached");
    _exit(failed);
  }
  int status = 0;
  waitpid(child, &status, 0);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
}

// Frames the socket had no room for (its RX ring full, nobody receiving)
// are dropped by the kernel, not seen by the port: collect_kernel_counters()
// counts them as rxdrop (XDP_STATISTICS), so that what was received plus
// what was dropped is every frame that reached the interface.
BOOST_AUTO_TEST_CASE(frames_the_socket_had_no_room_for_are_rxdrop) {
  const Mac gw_mac = mac_of("priv0");
  for (const xdp::Mode mode : kModes) {
    BOOST_TEST_CONTEXT(name(mode)) {
      Backend backend;
      auto port = open_port(*backend.umem, private_options(mode));
      const auto tx_dropped = [] {  // the peer veth's (its ring to priv0 full)
        const std::string line = run("ip -n " + lab->peer +
                                     " -s -j link show priv1 | grep -o '\"tx\":{[^}]*}' | "
                                     "grep -o '\"dropped\":[0-9]*' | cut -d: -f2");
        return std::stoull(line);
      };
      constexpr int kFrames = 3000;
      std::uint64_t peer_drops = 0;
      lab->in_peer([&] {
        const std::uint64_t before = tx_dropped();
        const RawSocket wire("priv1");
        const Mac peer_mac = mac_of("priv1");
        const Bytes frame = ethernet(gw_mac, peer_mac, 0x88b5, tag("flood"));
        for (int i = 0; i < kFrames; ++i) {
          wire.send(frame);
          if (i % 64 == 63) usleep(200);  // the veth's own ring keeps up
        }
        peer_drops = tx_dropped() - before;
      });
      usleep(100'000);
      port->collect_kernel_counters();
      const std::uint64_t dropped = port->counters().rxdrop;
      std::uint64_t received = 0;
      std::array<io::Packet*, 64> batch;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (std::chrono::steady_clock::now() < deadline) {
        const std::size_t n = port->receive(batch);
        for (std::size_t i = 0; i < n; ++i) {
          received += contains(batch[i]->data, batch[i]->length, tag("flood"));
          port->release(batch[i]);
        }
        if (n == 0) usleep(1000);
      }
      port->collect_kernel_counters();
      BOOST_TEST_MESSAGE("received " << received << ", rxdrop " << port->counters().rxdrop
                                     << ", dropped by the peer veth " << peer_drops);
      BOOST_TEST(dropped > 0u);
      BOOST_TEST(port->counters().rxdrop == dropped);  // counted once
      // Every flood frame received or counted; among the dropped may be a
      // few of the kernel's own (IPv6 neighbour discovery on the link).
      const std::uint64_t accounted = received + dropped + peer_drops;
      BOOST_TEST(accounted >= static_cast<std::uint64_t>(kFrames));
      BOOST_TEST(accounted <= static_cast<std::uint64_t>(kFrames) + 16);
    }
  }
}
