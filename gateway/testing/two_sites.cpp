#include "testing/two_sites.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "config/load.hpp"
#include "net/checksum.hpp"
#include "net/headers.hpp"
#include "testing/frame_view.hpp"
#include "testing/wire_frames.hpp"

namespace strait::testing {

namespace {

// The IP header of an Ethernet frame, or nullptr.
std::uint8_t* ip_header(Bytes& frame) {
  if (frame.size() < net::kEthernetHeaderSize + net::kIpv4HeaderSize) return nullptr;
  const std::uint16_t ethertype = net::load16(frame.data() + 12);
  std::uint8_t* ip = frame.data() + net::kEthernetHeaderSize;
  if (ethertype == 0x0800 && (ip[0] >> 4) == 4) return ip;
  if (ethertype == 0x86dd && (ip[0] >> 4) == 6 &&
      frame.size() >= net::kEthernetHeaderSize + net::kIpv6HeaderSize)
    return ip;
  return nullptr;
}

// Replaces the address at `field` (4 or 16 bytes) by `to`, adjusting the
// IPv4 header checksum and a UDP checksum incrementally (RFC 1624), so a
// checksum that was wrong stays wrong.
void rewrite_address(Bytes& frame, std::uint8_t* ip, std::uint8_t* field, const net::Address& to) {
  const bool v4 = (ip[0] >> 4) == 4;
  const std::size_t size = v4 ? 4 : 16;
  const std::size_t header = v4 ? static_cast<std::size_t>(ip[0] & 0x0f) * 4 : net::kIpv6HeaderSize;
  const std::uint8_t protocol = v4 ? ip[9] : ip[6];
  std::uint8_t* udp_sum = nullptr;
  if (protocol == net::kProtocolUdp &&
      frame.size() >= net::kEthernetHeaderSize + header + net::kUdpHeaderSize &&
      net::load16(ip + header + 6) != 0)
    udp_sum = ip + header + 6;
  for (std::size_t i = 0; i < size; i += 2) {
    const std::uint16_t old_word = net::load16(field + i);
    const std::uint16_t new_word = net::load16(to.data() + i);
    if (v4) net::store16(ip + 10, net::checksum_adjust(net::load16(ip + 10), old_word, new_word));
    if (udp_sum != nullptr)
      net::store16(udp_sum, net::checksum_adjust(net::load16(udp_sum), old_word, new_word));
    net::store16(field + i, new_word);
  }
}

// The UDP header of a first fragment or unfragmented datagram, or nullptr.
std::uint8_t* udp_header(Bytes& frame, std::uint8_t* ip) {
  const bool v4 = (ip[0] >> 4) == 4;
  const std::size_t header = v4 ? static_cast<std::size_t>(ip[0] & 0x0f) * 4 : net::kIpv6HeaderSize;
  if ((v4 ? ip[9] : ip[6]) != net::kProtocolUdp) return nullptr;
  if (v4 && (net::load16(ip + 6) & 0x1fff) != 0) return nullptr;
  if (frame.size() < net::kEthernetHeaderSize + header + net::kUdpHeaderSize) return nullptr;
  return ip + header;
}

// Replaces a UDP port (at `field` in the header) and adjusts a present checksum.
void rewrite_port(std::uint8_t* udp, std::uint8_t* field, std::uint16_t to) {
  if (net::load16(udp + 6) != 0)
    net::store16(udp + 6, net::checksum_adjust(net::load16(udp + 6), net::load16(field), to));
  net::store16(field, to);
}

bool is_icmp(const std::uint8_t* ip) {
  return (ip[0] >> 4) == 4 ? ip[9] == net::kProtocolIcmp : ip[6] == net::kProtocolIcmp6;
}

std::uint8_t* source_field(std::uint8_t* ip) {
  return (ip[0] >> 4) == 4 ? ip + 12 : ip + 8;
}
std::uint8_t* destination_field(std::uint8_t* ip) {
  return (ip[0] >> 4) == 4 ? ip + 16 : ip + 24;
}
net::Address address_at(const std::uint8_t* ip, const std::uint8_t* field) {
  return (ip[0] >> 4) == 4 ? net::Address::ipv4(field) : net::Address::ipv6(field);
}

}  // namespace

SiteId other_site(SiteId id) {
  return id == SiteId::kParis ? SiteId::kTokyo : SiteId::kParis;
}

std::optional<exchange::MessageType> WanFrame::message_type(std::uint16_t port) const {
  const auto ip = parse_ip_frame(bytes);
  if (!ip || ip->protocol != net::kProtocolUdp) return std::nullopt;
  const auto udp = parse_udp(*ip);
  if (!udp || udp->destination_port != port || udp->payload.size() < exchange::kHeaderSize)
    return std::nullopt;
  return static_cast<exchange::MessageType>(udp->payload[4]);
}

bool WanFrame::is_esp() const {
  const auto ip = parse_ip_frame(bytes);
  return ip && ip->protocol == net::kProtocolEsp;
}

Bytes WanFrame::udp_payload() const {
  const auto ip = parse_ip_frame(bytes);
  if (!ip || ip->protocol != net::kProtocolUdp) return {};
  const auto udp = parse_udp(*ip);
  return udp ? udp->payload : Bytes{};
}

TwoSites::TwoSites(const TwoSitesOptions& options) {
  const net::Family outer = options.public_family.value_or(options.family);
  const Site p = paris(options.family, outer), t = tokyo(options.family, outer);
  build(options, site_config(p, t, options.paris), site_config(t, p, options.tokyo));
}

TwoSites::TwoSites(const TwoSitesOptions& options, const std::string& paris_config,
                   const std::string& tokyo_config) {
  build(options, paris_config, tokyo_config);
}

void TwoSites::build(const TwoSitesOptions& options, const std::string& paris_config,
                     const std::string& tokyo_config) {
  const net::Family outer = options.public_family.value_or(options.family);
  sites_[0] = paris(options.family, outer);
  sites_[1] = tokyo(options.family, outer);
  const std::string* texts[] = {&paris_config, &tokyo_config};
  randoms_[0] = std::make_unique<base::SeededRandom>(options.paris_seed);
  randoms_[1] = std::make_unique<base::SeededRandom>(options.tokyo_seed);
  for (std::size_t s = 0; s < 2; ++s) {
    auto config = config::load(*texts[s], sites_[s].name + ".conf");
    if (!config) throw std::runtime_error(sites_[s].name + " config: " + config.error().message);
    configs_[s] = std::move(config).value();
  }
  auto pool = io::FramePool::create(16384, options.frame_count);
  if (!pool) throw std::runtime_error("frame pool: " + pool.error().message);
  pool_ = std::move(pool).value();
  for (std::size_t s = 0; s < 2; ++s) {
    for (const config::PublicInterface& own : configs_[s].public_interfaces) {
      Node n;
      n.site = s == 0 ? SiteId::kParis : SiteId::kTokyo;
      n.queue = own.queue;
      n.public_ip = own.ip;
      n.public_mac = own.mac;
      n.private_wire = std::make_unique<io::MemoryWire>(*pool_, options.ring_capacity);
      n.public_wire = std::make_unique<io::MemoryWire>(*pool_, options.ring_capacity);
      auto w =
          worker::Worker::create(configs_[s], own.queue, n.private_wire->b(), n.public_wire->b(),
                                 options.clock != nullptr ? *options.clock : clock_, *randoms_[s],
                                 nullptr, options.hosting);
      if (!w) throw std::runtime_error(sites_[s].name + " worker: " + w.error().message);
      n.worker = std::move(w).value();
      nodes_.push_back(std::move(n));
    }
  }
}

TwoSites::~TwoSites() {
  // Release whatever is still in flight before the pool goes.
  io::Packet* burst[64];
  for (Node& n : nodes_) {
    release_in_flight(*n.private_wire);
    release_in_flight(*n.public_wire);
    if (auto* control = n.worker ? n.worker->control_queue() : nullptr)
      while (const std::size_t k = control->pop(burst, 64))
        for (std::size_t i = 0; i < k; ++i)
          burst[i]->pool->release(burst[i]);
  }
}

TwoSites::Node& TwoSites::node(SiteId id, std::uint16_t queue) {
  for (Node& n : nodes_)
    if (n.site == id && n.queue == queue) return n;
  throw std::invalid_argument("no worker for queue " + std::to_string(queue));
}

worker::Worker& TwoSites::worker(SiteId id, std::uint16_t queue) {
  return *node(id, queue).worker;
}

std::uint16_t TwoSites::queues(SiteId id) const {
  return static_cast<std::uint16_t>(configs_[index(id)].public_interfaces.size());
}

const net::Address& TwoSites::public_ip(SiteId id, std::uint16_t queue) {
  return node(id, queue).public_ip;
}

void TwoSites::send_private(SiteId id, const Bytes& frame, std::uint16_t queue) {
  inject(node(id, queue).private_wire->a(), *pool_, frame);
}

std::vector<Bytes> TwoSites::take_private(SiteId id, std::uint16_t queue) {
  return drain(node(id, queue).private_wire->a());
}

void TwoSites::send_public(SiteId id, const Bytes& frame, std::uint16_t queue) {
  inject(node(id, queue).public_wire->a(), *pool_, frame);
}

void TwoSites::deliver(const WanFrame& frame) {
  Node& to = node(frame.to, frame.to_queue);
  Bytes bytes = frame.bytes;
  if (bytes.size() >= net::kEthernetHeaderSize) {
    // As the site's public next hop (the router in front of it) sends it.
    std::memcpy(bytes.data(), to.public_mac.bytes.data(), 6);
    std::memcpy(bytes.data() + 6, site(frame.to).public_nexthop_mac.bytes.data(), 6);
  }
  inject(to.public_wire->a(), *pool_, bytes);
  ++delivered_;
}

void TwoSites::set_nat(SiteId id, std::uint16_t queue, const net::Address& outside) {
  node(id, queue).nat_outside = outside;
}

void TwoSites::set_napt(SiteId id, std::uint16_t queue, const net::Address& outside) {
  Node& n = node(id, queue);
  n.nat_outside = outside;
  n.napt = true;
}

void TwoSites::flush_napt(SiteId id, std::uint16_t queue) {
  Node& n = node(id, queue);
  n.napt_out.clear();
  n.napt_in.clear();
}

std::size_t TwoSites::move_wan() {
  std::size_t seen = 0;
  for (Node& from : nodes_) {
    for (Bytes& bytes : drain(from.public_wire->a())) {
      ++seen;
      std::uint8_t* ip = ip_header(bytes);
      if (ip == nullptr) {
        ++unroutable_;
        continue;
      }
      if (from.napt && address_at(ip, source_field(ip)) == from.public_ip) {
        std::uint8_t* udp = udp_header(bytes, ip);
        if (udp == nullptr && !is_icmp(ip)) {
          ++dropped_;  // raw ESP: nothing to translate
          continue;
        }
        if (udp != nullptr) {
          const std::uint16_t inside = net::load16(udp);
          auto mapped = from.napt_out.find(inside);
          if (mapped == from.napt_out.end()) {
            mapped = from.napt_out.emplace(inside, from.napt_next++).first;
            from.napt_in[mapped->second] = inside;
          }
          rewrite_port(udp, udp, mapped->second);
        }
      }
      if (from.nat_outside && address_at(ip, source_field(ip)) == from.public_ip)
        rewrite_address(bytes, ip, source_field(ip), *from.nat_outside);
      const net::Address destination = address_at(ip, destination_field(ip));
      Node* to = nullptr;
      for (Node& n : nodes_) {
        if (n.nat_outside ? *n.nat_outside == destination : n.public_ip == destination) {
          to = &n;
          break;
        }
      }
      if (to == nullptr) {
        ++unroutable_;
        continue;
      }
      if (to->napt) {
        std::uint8_t* udp = udp_header(bytes, ip);
        const auto mapped = udp ? to->napt_in.find(net::load16(udp + 2)) : to->napt_in.end();
        if (mapped == to->napt_in.end()) {
          ++dropped_;  // no mapping: the NAT drops it
          continue;
        }
        rewrite_port(udp, udp + 2, mapped->second);
      }
      if (to->nat_outside) rewrite_address(bytes, ip, destination_field(ip), to->public_ip);
      WanFrame frame{from.site, from.queue, to->site, to->queue, std::move(bytes)};
      const std::size_t copies = filter_ ? filter_(frame) : 1;
      if (copies == 0) ++dropped_;
      for (std::size_t i = 0; i < copies; ++i)
        deliver(frame);
    }
  }
  return seen;
}

std::size_t TwoSites::run(std::size_t max_rounds) {
  std::size_t rounds = 0;
  while (rounds < max_rounds) {
    ++rounds;
    // kSeparate: this thread stands in for the key-exchange thread, its
    // output taken by the workers' polls right after.
    bool key_exchange_busy = false;
    for (Node& n : nodes_)
      key_exchange_busy = n.worker->poll_key_exchange() || key_exchange_busy;
    std::size_t received = 0;
    for (Node& n : nodes_)
      received += n.worker->poll();
    if (move_wan() == 0 && received == 0 && !key_exchange_busy) break;
  }
  return rounds;
}

void TwoSites::advance(base::Nanoseconds duration, base::Nanoseconds step) {
  while (duration > 0) {
    const base::Nanoseconds by = std::min(step, duration);
    clock_.advance(by);
    duration -= by;
    run();
  }
}

std::vector<std::pair<std::string, std::uint64_t>> counter_values(
    const state::KeyManagerCounters& counters) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  counters.visit([&](const char* name, std::uint64_t value) { out.emplace_back(name, value); });
  return out;
}

bool round_trip(TwoSites& s, std::uint8_t seed) {
  bool ok = true;
  for (const SiteId from : kBothSites) {
    const Site& a = s.site(from);
    const Site& b = s.site(other_site(from));
    const Bytes packet = host_datagram(a, b, 64, seed);
    s.send_private(from, lan_frame(a, packet));
    s.run();
    const auto got = s.take_private(other_site(from));
    ok = ok && got.size() == 1 && got[0] == to_lan_frame(b, with_ttl(packet, 62));
  }
  return ok;
}

}  // namespace strait::testing
