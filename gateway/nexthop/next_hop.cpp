#include "nexthop/next_hop.hpp"

#include <algorithm>
#include <cstring>

#include "net/checksum.hpp"
#include "net/headers.hpp"

namespace strait::nexthop {

using namespace strait::net;

namespace {

constexpr std::uint8_t kNeighborSolicitation = 135;
constexpr std::uint8_t kNeighborAdvertisement = 136;
constexpr std::uint8_t kOptionSourceLinkAddress = 1;
constexpr std::uint8_t kOptionTargetLinkAddress = 2;
constexpr std::size_t kNdMessageSize = 24;       // type..target
constexpr std::size_t kNdOptionSize = 8;         // link-layer address option, Ethernet
constexpr std::uint32_t kOverride = 0x20000000;  // neighbor advertisement flag O

// Finds a link-layer address option of `type` in ND options; nullptr if none
// or if the options are malformed (then *malformed is set).
const std::uint8_t* find_link_option(const std::uint8_t* options, std::size_t length,
                                     std::uint8_t type, bool* malformed) noexcept {
  while (length >= 2) {
    const std::size_t option_length = static_cast<std::size_t>(options[1]) * 8;
    if (option_length == 0 || option_length > length) {
      *malformed = true;
      return nullptr;
    }
    if (options[0] == type && option_length == kNdOptionSize) return options + 2;
    options += option_length;
    length -= option_length;
  }
  return nullptr;
}

// Writes an ICMPv6 ND message with one link-layer option into `ip` and
// returns the IPv6 packet length.
std::size_t write_nd(std::uint8_t* ip, const std::uint8_t* source, const std::uint8_t* destination,
                     std::uint8_t type, std::uint32_t flags, const std::uint8_t* target,
                     std::uint8_t option, const Mac& mac) noexcept {
  constexpr std::size_t payload = kNdMessageSize + kNdOptionSize;
  auto* h = reinterpret_cast<Ipv6Header*>(ip);
  store32(h->version_class_flow, 0x60000000u);
  store16(h->payload_length, payload);
  h->next_header = kProtocolIcmp6;
  h->hop_limit = 255;  // RFC 4861: ND messages must carry 255
  std::memmove(h->source, source, 16);
  std::memmove(h->destination, destination, 16);
  std::uint8_t* m = ip + kIpv6HeaderSize;
  m[0] = type;
  m[1] = 0;
  store16(m + 2, 0);
  store32(m + 4, flags);
  std::memmove(m + 8, target, 16);
  m[24] = option;
  m[25] = 1;
  std::memcpy(m + 26, mac.bytes.data(), 6);
  const std::uint32_t pseudo =
      pseudo_header_ipv6(h->source, h->destination, kProtocolIcmp6, payload);
  store16(m + 2, checksum_finish(checksum_partial(m, payload, pseudo)));
  return kIpv6HeaderSize + payload;
}

}  // namespace

NextHop::NextHop(const Settings& settings, const base::Clock& clock)
    : settings_(settings), clock_(clock), ipv6_(settings.own_ip.family == Family::kIpv6) {
  if (settings_.nexthop_mac) {
    mac_ = *settings_.nexthop_mac;
    resolved_ = true;
  }
}

void NextHop::change_next_hop(const net::Address& nexthop_ip,
                              const std::optional<net::Mac>& nexthop_mac) noexcept {
  if (nexthop_ip == settings_.nexthop_ip && nexthop_mac == settings_.nexthop_mac) return;
  settings_.nexthop_ip = nexthop_ip;
  settings_.nexthop_mac = nexthop_mac;
  if (settings_.shared) settings_.shared->clear();
  resolved_ = false;
  solicited_ = false;
  learned_at_ = 0;
  mac_ = {};
  if (nexthop_mac) {
    mac_ = *nexthop_mac;
    resolved_ = true;
  }
}

void NextHop::write_ethernet(io::Packet* p, const std::uint8_t* destination) const noexcept {
  auto* e = reinterpret_cast<EthernetHeader*>(p->data);
  std::memcpy(e->destination, destination, 6);
  std::memcpy(e->source, settings_.own_mac.bytes.data(), 6);
  store16(e->ethertype, ipv6_ ? kEthertypeIpv6 : kEthertypeIpv4);
}

void NextHop::send(io::Link& link, io::Port& port) noexcept {
  if (link.empty()) return;
  if (!resolved_ && !adopt_shared()) [[unlikely]] {
    for (io::Packet* p : link.packets())
      port.release(p);
    port.counters().txdrop += link.size();
    link.clear();
    solicit(port);
    return;
  }
  for (io::Packet* p : link.packets())
    write_ethernet(p, mac_.bytes.data());
  port.transmit(link.packets());
  link.clear();
}

void NextHop::learn(const std::uint8_t* mac) noexcept {
  if (settings_.nexthop_mac) return;  // static next hop wins
  std::memcpy(mac_.bytes.data(), mac, 6);
  resolved_ = true;
  learned_at_ = clock_.now();
  ++counters_.arp_replies;
  if (settings_.shared) settings_.shared->publish(mac_);
}

bool NextHop::awaiting_answer() const noexcept {
  const base::Nanoseconds now = clock_.now();
  const auto within = [&](base::Nanoseconds at) {
    return at != base::kNever && now < at + kAnswerWindow;
  };
  return (solicited_ && within(last_solicit_)) ||
         (settings_.shared != nullptr && within(settings_.shared->solicited_at()));
}

void NextHop::ignore(const std::uint8_t* mac) noexcept {
  if (settings_.nexthop_mac) return;  // static next hop: nothing is learned
  if (!resolved_ || std::memcmp(mac, mac_.bytes.data(), 6) != 0) ++counters_.arp_errors;
}

bool NextHop::adopt_shared() noexcept {
  if (settings_.shared == nullptr || settings_.nexthop_mac) return resolved_;
  const auto shared = settings_.shared->read();
  if (!shared) return resolved_;
  if (!resolved_ || *shared != mac_) {
    mac_ = *shared;
    resolved_ = true;
    learned_at_ = clock_.now();
  }
  return true;
}

void NextHop::receive_arp(io::Packet* p, io::Port& port) noexcept {
  if (ipv6_ || p->length < kEthernetHeaderSize + kArpSize) {
    ++counters_.arp_errors;
    port.release(p);
    return;
  }
  auto* arp = reinterpret_cast<ArpPacket*>(p->data + kEthernetHeaderSize);
  if (load16(arp->hardware_type) != 1 || load16(arp->protocol_type) != kEthertypeIpv4 ||
      arp->hardware_length != 6 || arp->protocol_length != 4) {
    ++counters_.arp_errors;
    port.release(p);
    return;
  }
  const std::uint16_t operation = load16(arp->operation);
  if (std::memcmp(arp->sender_ip, settings_.nexthop_ip.data(), 4) == 0) {
    const bool answer =
        operation == 2 && std::memcmp(arp->target_ip, settings_.own_ip.data(), 4) == 0 &&
        std::memcmp(arp->target_mac, settings_.own_mac.bytes.data(), 6) == 0 && awaiting_answer();
    const bool announcement =
        operation == 2 || (operation == 1 && std::memcmp(arp->target_ip, arp->sender_ip, 4) == 0);
    if (answer)
      learn(arp->sender_mac);
    else if (announcement)
      ignore(arp->sender_mac);
  }
  if (operation == 1 && std::memcmp(arp->target_ip, settings_.own_ip.data(), 4) == 0) {
    ++counters_.arp_requests;
    // Answer in place.
    store16(arp->operation, 2);
    std::memcpy(arp->target_mac, arp->sender_mac, 6);
    std::memcpy(arp->target_ip, arp->sender_ip, 4);
    std::memcpy(arp->sender_mac, settings_.own_mac.bytes.data(), 6);
    std::memcpy(arp->sender_ip, settings_.own_ip.data(), 4);
    auto* e = reinterpret_cast<EthernetHeader*>(p->data);
    std::memcpy(e->destination, arp->target_mac, 6);
    std::memcpy(e->source, settings_.own_mac.bytes.data(), 6);
    p->length = kEthernetHeaderSize + kArpSize;
    io::Packet* reply[] = {p};
    port.transmit(reply);
    return;
  }
  if (operation != 1 && operation != 2) ++counters_.arp_errors;
  port.release(p);
}

void NextHop::receive_nd(io::Packet* p, std::size_t ip_length, io::Port& port) noexcept {
  std::uint8_t* ip = p->data + kEthernetHeaderSize;
  auto* h = reinterpret_cast<Ipv6Header*>(ip);
  std::uint8_t* m = ip + kIpv6HeaderSize;
  const std::size_t message_length = ip_length - kIpv6HeaderSize;
  bool malformed = !ipv6_ || ip_length < kIpv6HeaderSize + kNdMessageSize || h->hop_limit != 255;
  if (!malformed) {
    const std::uint32_t pseudo = pseudo_header_ipv6(h->source, h->destination, kProtocolIcmp6,
                                                    static_cast<std::uint32_t>(message_length));
    malformed = checksum_finish(checksum_partial(m, message_length, pseudo)) != 0 || m[1] != 0;
  }
  const std::uint8_t* target = m + 8;
  const std::uint8_t* options = m + kNdMessageSize;
  const std::size_t options_length = malformed ? 0 : message_length - kNdMessageSize;
  if (!malformed && m[0] == kNeighborAdvertisement) {
    const std::uint8_t* mac =
        find_link_option(options, options_length, kOptionTargetLinkAddress, &malformed);
    if (!malformed && mac && std::memcmp(target, settings_.nexthop_ip.data(), 16) == 0) {
      const bool override_flag = (load32(m + 4) & kOverride) != 0;
      if (override_flag || (resolved_ && std::memcmp(mac, mac_.bytes.data(), 6) == 0) ||
          (!resolved_ && awaiting_answer()))
        learn(mac);
      else
        ignore(mac);
    }
  } else if (!malformed && m[0] == kNeighborSolicitation) {
    const std::uint8_t* mac =
        find_link_option(options, options_length, kOptionSourceLinkAddress, &malformed);
    static constexpr std::uint8_t kUnspecified[16] = {};
    const bool from_unspecified = std::memcmp(h->source, kUnspecified, 16) == 0;
    // RFC 4861 7.1.1: a solicitation from the unspecified address (a
    // duplicate address probe) carries no source link-layer option.
    if (from_unspecified && mac) malformed = true;
    if (!malformed && std::memcmp(target, settings_.own_ip.data(), 16) == 0) {
      ++counters_.arp_requests;
      // RFC 4861 7.2.4: the answer goes back to the soliciting node, or,
      // to a duplicate address probe, to all nodes (ff02::1) unsolicited.
      static constexpr std::uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
                                                     0,    0,    0, 0, 0, 0, 0, 1};
      static constexpr std::uint8_t kAllNodesMac[6] = {0x33, 0x33, 0, 0, 0, 1};
      const std::uint8_t* reply_mac = from_unspecified ? kAllNodesMac
                                      : mac            ? mac
                                            : reinterpret_cast<EthernetHeader*>(p->data)->source;
      std::uint8_t destination_mac[6];
      std::memcpy(destination_mac, reply_mac, 6);
      std::uint8_t destination[16];
      std::memcpy(destination, from_unspecified ? kAllNodes : h->source, 16);
      // Router | Solicited | Override (Router | Override to all nodes).
      const std::uint32_t flags = from_unspecified ? 0xa0000000u : 0xe0000000u;
      const std::size_t length =
          write_nd(ip, settings_.own_ip.data(), destination, kNeighborAdvertisement, flags,
                   settings_.own_ip.data(), kOptionTargetLinkAddress, settings_.own_mac);
      write_ethernet(p, destination_mac);
      p->length = static_cast<std::uint32_t>(kEthernetHeaderSize + length);
      io::Packet* reply[] = {p};
      port.transmit(reply);
      return;
    }
  } else if (!malformed) {
    malformed = true;
  }
  if (malformed) ++counters_.arp_errors;
  port.release(p);
}

void NextHop::tick(io::Port& port) noexcept {
  if (settings_.nexthop_mac) return;
  adopt_shared();  // what the interface's other workers learned
  const base::Nanoseconds now = clock_.now();
  if (!resolved_ && (!solicited_ || now - last_solicit_ >= kRetryInterval)) solicit(port);
  if (resolved_ && now - learned_at_ >= kRefreshInterval && now - last_solicit_ >= kRefreshInterval)
    solicit(port);
}

base::Nanoseconds NextHop::next_due() const noexcept {
  if (settings_.nexthop_mac) return base::kNever;
  if (!solicited_ && !resolved_) return 0;
  if (!resolved_) return last_solicit_ + kRetryInterval;
  return std::max(learned_at_, solicited_ ? last_solicit_ : base::Nanoseconds{0}) +
         kRefreshInterval;
}

void NextHop::solicit(io::Port& port) noexcept {
  if (settings_.nexthop_mac) return;
  const base::Nanoseconds now = clock_.now();
  if (solicited_ && now - last_solicit_ < kRetryInterval) return;
  io::Packet* p = port.allocate();
  if (p == nullptr) return;
  solicited_ = true;
  last_solicit_ = now;
  if (settings_.shared) settings_.shared->note_solicitation(now);
  if (!ipv6_) {
    auto* arp = reinterpret_cast<ArpPacket*>(p->data + kEthernetHeaderSize);
    store16(arp->hardware_type, 1);
    store16(arp->protocol_type, kEthertypeIpv4);
    arp->hardware_length = 6;
    arp->protocol_length = 4;
    store16(arp->operation, 1);
    std::memcpy(arp->sender_mac, settings_.own_mac.bytes.data(), 6);
    std::memcpy(arp->sender_ip, settings_.own_ip.data(), 4);
    std::memset(arp->target_mac, 0, 6);
    std::memcpy(arp->target_ip, settings_.nexthop_ip.data(), 4);
    auto* e = reinterpret_cast<EthernetHeader*>(p->data);
    std::memset(e->destination, 0xff, 6);
    std::memcpy(e->source, settings_.own_mac.bytes.data(), 6);
    store16(e->ethertype, kEthertypeArp);
    p->length = kEthernetHeaderSize + kArpSize;
  } else {
    // To the solicited-node multicast address ff02::1:ffXX:XXXX.
    std::uint8_t group[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
    std::memcpy(group + 13, settings_.nexthop_ip.data() + 13, 3);
    const std::size_t length = write_nd(
        p->data + kEthernetHeaderSize, settings_.own_ip.data(), group, kNeighborSolicitation, 0,
        settings_.nexthop_ip.data(), kOptionSourceLinkAddress, settings_.own_mac);
    const std::uint8_t mac[6] = {0x33, 0x33, group[12], group[13], group[14], group[15]};
    write_ethernet(p, mac);
    p->length = static_cast<std::uint32_t>(kEthernetHeaderSize + length);
  }
  io::Packet* request[] = {p};
  port.transmit(request);
}

}  // namespace strait::nexthop
