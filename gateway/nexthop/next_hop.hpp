#pragma once
// The next hop of one interface: every packet leaving the interface goes to
// its single configured next hop (`nexthop-ip`). Resolves the next hop's MAC
// with ARP (IPv4) or Neighbor Discovery (IPv6) unless `nexthop-mac` is
// configured, answers ARP / neighbor solicitations for the interface's own
// address, and writes the Ethernet header of outgoing packets.
//
// What the MAC is learned from (nothing else changes it):
// * IPv4: an ARP reply that answers the gateway's own request: operation 2,
//   sender IP the next hop, target IP and MAC the interface's own, within
//   kAnswerWindow of a request any worker of the interface sent (Linux
//   answers unicast to the asker at once). Gratuitous ARP, unsolicited
//   replies, replies for another station and the next hop's own requests
//   are not learned from.
// * IPv6: a neighbor advertisement whose target is the next hop, with a
//   target link-layer address option, that either has the Override flag
//   (RFC 4861 7.2.5; unsolicited ones too, RFC 4861 7.2.6), repeats the MAC
//   already known, or answers a solicitation within kAnswerWindow while
//   the next hop is unresolved. Solicitations from the next hop are
//   answered, not learned from.
// ARP replies and gratuitous ARP claiming the next hop's address, and
// advertisements for it, that would have set another MAC are counted as
// arp-errors / nd-errors.

#include <cstdint>
#include <optional>

#include "base/clock.hpp"
#include "io/link.hpp"
#include "io/port.hpp"
#include "net/address.hpp"
#include "nexthop/shared_neighbor.hpp"
#include "state/counters.hpp"

namespace strait::nexthop {

struct Settings {
  net::Address own_ip;
  net::Mac own_mac;
  net::Address nexthop_ip;
  std::optional<net::Mac> nexthop_mac;  // static: never solicit
  // Shared by the workers of one interface (nullptr: this one alone).
  SharedNeighbor* shared = nullptr;
};

class NextHop {
 public:
  static constexpr base::Nanoseconds kRetryInterval = base::kSecond;
  static constexpr base::Nanoseconds kRefreshInterval = 30 * base::kSecond;
  // How long after a solicitation its answer is taken.
  static constexpr base::Nanoseconds kAnswerWindow = 3 * base::kSecond;

  NextHop(const Settings& settings, const base::Clock& clock);

  // Writes the Ethernet header of every packet (data points at the Ethernet
  // header, the IP packet follows) and transmits them. While the next hop is
  // unresolved they are dropped (counted txdrop) and a solicitation is sent.
  void send(io::Link& link, io::Port& port) noexcept;

  // An ARP frame received on this interface. Consumed: answered (a request
  // for our address) and/or learned from, then released.
  void receive_arp(io::Packet* p, io::Port& port) noexcept;
  // An ICMPv6 neighbor solicitation (135) or advertisement (136); ip_length
  // is the IPv6 packet length. Consumed like receive_arp.
  void receive_nd(io::Packet* p, std::size_t ip_length, io::Port& port) noexcept;

  // A new next hop (nexthop-ip / nexthop-mac; the own address and MAC stay):
  // forgets what was resolved, and what the interface's other workers
  // share, so the new next hop is solicited (or taken from nexthop-mac).
  void change_next_hop(const net::Address& nexthop_ip,
                       const std::optional<net::Mac>& nexthop_mac) noexcept;

  // Periodic work: (re)solicit the next hop when due.
  void tick(io::Port& port) noexcept;
  // When tick() next has work (base::kNever: never, a static next hop; 0:
  // now, never solicited).
  base::Nanoseconds next_due() const noexcept;

  bool resolved() const noexcept { return resolved_; }
  const net::Mac& nexthop_mac() const noexcept { return mac_; }
  state::NextHopCounters& counters() noexcept { return counters_; }
  const state::NextHopCounters& counters() const noexcept { return counters_; }

 private:
  void solicit(io::Port& port) noexcept;
  void learn(const std::uint8_t* mac) noexcept;
  // A solicitation of this worker, or of another worker of the interface,
  // is within kAnswerWindow.
  bool awaiting_answer() const noexcept;
  // A message claiming the next hop has `mac` that was not learned from:
  // counted if it would have set another MAC.
  void ignore(const std::uint8_t* mac) noexcept;
  // Takes what another worker of the interface learned; true if resolved.
  bool adopt_shared() noexcept;
  void write_ethernet(io::Packet* p, const std::uint8_t* destination) const noexcept;

  Settings settings_;
  const base::Clock& clock_;
  bool ipv6_;
  bool resolved_ = false;
  net::Mac mac_{};
  base::Nanoseconds last_solicit_ = 0;
  bool solicited_ = false;
  base::Nanoseconds learned_at_ = 0;
  state::NextHopCounters counters_;
};

}  // namespace strait::nexthop
