#pragma once
// Counter groups of CONFIG.md's gateway-state, one struct per container.
// Each is plain data written by exactly one worker; visit() lists the
// counters by their schema names, in schema order, for rendering and
// aggregation across queues.

#include <array>
#include <cstdint>
#include <string_view>

namespace strait::state {

// mac-errors is the gateway's own addition to Vita's names (rendered after
// them): frames for another station's MAC, or a multicast group the
// interface does not listen to (dispatch/mac_filter.hpp), and on the
// private side packets to forward that came as a link-layer broadcast or
// multicast (RFC 1812 5.3.4).
struct DispatchCounters {
  std::uint64_t rxerrors = 0;          // truncated or malformed frames
  std::uint64_t ethertype_errors = 0;  // neither IPv4/IPv6 nor ARP of the configured family
  std::uint64_t protocol_errors = 0;   // bad IP header, unhandled protocol
  std::uint64_t fragment_errors = 0;   // IP fragments (not handled)
  std::uint64_t checksum_errors = 0;   // bad IPv4 header checksum
  std::uint64_t mac_errors = 0;        // not for the interface's MAC (see above)

  template <class V>
  void visit(V&& v) const {
    v("rxerrors", rxerrors), v("ethertype-errors", ethertype_errors);
    v("protocol-errors", protocol_errors), v("fragment-errors", fragment_errors);
    v("checksum-errors", checksum_errors), v("mac-errors", mac_errors);
  }
};

struct PrivateRouterCounters {
  std::uint64_t rxerrors = 0;
  std::uint64_t route_errors = 0;  // no route, or no outbound SA for it yet
  std::uint64_t mtu_errors = 0;    // larger than mtu: ICMP sent back

  template <class V>
  void visit(V&& v) const {
    v("rxerrors", rxerrors), v("route-errors", route_errors), v("mtu-errors", mtu_errors);
  }
};

struct PublicRouterCounters {
  std::uint64_t route_errors = 0;  // ESP with an unknown SPI

  template <class V>
  void visit(V&& v) const {
    v("route-errors", route_errors);
  }
};

// ARP (IPv4) or Neighbor Discovery (IPv6) of one interface. Interpretation
// (the schema gives names only): arp-requests counts solicitations for our
// address that we answered, arp-replies counts advertisements of the next
// hop that we learned from, arp-errors counts malformed or unexpected
// messages.
struct NextHopCounters {
  std::uint64_t arp_requests = 0;
  std::uint64_t arp_replies = 0;
  std::uint64_t arp_errors = 0;

  template <class V>
  void visit(V&& v, bool ipv6) const {
    v(ipv6 ? "ns-requests" : "arp-requests", arp_requests);
    v(ipv6 ? "na-replies" : "arp-replies", arp_replies);
    v(ipv6 ? "nd-errors" : "arp-errors", arp_errors);
  }
};

// ICMP counters by message kind. Indices are shared by both families; the
// names differ (CONFIG.md lists the ICMPv6 names that replace IPv4 ones).
struct IcmpCounters {
  enum Kind : std::uint8_t {
    kRxErrors,
    kProtocolErrors,
    kTypeNotImplemented,
    kCodeNotImplemented,
    kDestinationUnreachable,
    kNetUnreachable,
    kHostUnreachable,
    kProtocolUnreachable,
    kPortUnreachable,
    kFragmentationNeeded,  // v6: packet-too-big
    kSourceRouteFailed,
    kTimeExceeded,
    kTransitTtlExceeded,  // v6: transit-hop-limit-exceeded
    kReassemblyTimeExceeded,
    kParameterProblem,
    kRedirect,
    kRedirectNet,
    kRedirectHost,
    kRedirectTosNet,
    kRedirectTosHost,
    kEchoRequest,
    // ICMPv6 only
    kHeaderFieldProblem,
    kNextHeaderProblem,
    kOptionProblem,
    kDestinationDenied,
    kScopeDenied,
    kSourceDenied,
    kNetDenied,
    kCount
  };
  std::array<std::uint64_t, kCount> counts{};

  void count(Kind k) noexcept { ++counts[k]; }
  std::uint64_t operator[](Kind k) const noexcept { return counts[k]; }

  template <class V>
  void visit(V&& v, bool ipv6) const {
    static constexpr std::array<std::string_view, kCount> kV4 = {
        "rxerrors",
        "protocol-errors",
        "type-not-implemented-errors",
        "code-not-implemented-errors",
        "destination-unreachable",
        "net-unreachable",
        "host-unreachable",
        "protocol-unreachable",
        "port-unreachable",
        "fragmentation-needed",
        "source-route-failed",
        "time-exceeded",
        "transit-ttl-exceeded",
        "fragment-reassembly-time-exceeded",
        "parameter-problem",
        "redirect",
        "redirect-net",
        "redirect-host",
        "redirect-tos-net",
        "redirect-tos-host",
        "echo-request",
        "",
        "",
        "",
        "",
        "",
        "",
        ""};
    static constexpr std::array<std::string_view, kCount> kV6 = {
        "rxerrors",
        "protocol-errors",
        "type-not-implemented-errors",
        "code-not-implemented-errors",
        "destination-unreachable",
        "net-unreachable",
        "host-unreachable",
        "",
        "port-unreachable",
        "packet-too-big",
        "",
        "time-exceeded",
        "transit-hop-limit-exceeded",
        "fragment-reassembly-time-exceeded",
        "parameter-problem",
        "",
        "",
        "",
        "",
        "",
        "echo-request",
        "header-field-problem",
        "next-header-problem",
        "option-problem",
        "destination-denied",
        "scope-denied",
        "source-denied",
        "net-denied"};
    const auto& names = ipv6 ? kV6 : kV4;
    for (std::size_t i = 0; i < kCount; ++i)
      if (!names[i].empty()) v(names[i], counts[i]);
  }
};

// The key manager of one queue (CONFIG.md key-manager). Interpretation of
// the names: challenges-offered counts challenges sent (responder),
// challenges-accepted challenges answered with a proposal (initiator),
// keypairs-offered agreements sent (responder completed), keypairs-negotiated
// agreements accepted (initiator completed); rxerrors counts messages
// dropped by the 100 per second bound or a full control queue.
struct KeyManagerCounters {
  std::uint64_t rxerrors = 0;
  std::uint64_t route_errors = 0;
  std::uint64_t protocol_errors = 0;
  std::uint64_t version_errors = 0;
  std::uint64_t parameter_errors = 0;
  std::uint64_t authentication_errors = 0;
  std::uint64_t public_key_errors = 0;
  std::uint64_t negotiations_initiated = 0;
  std::uint64_t negotiations_expired = 0;
  std::uint64_t challenges_offered = 0;
  std::uint64_t challenges_accepted = 0;
  std::uint64_t keypairs_offered = 0;
  std::uint64_t keypairs_negotiated = 0;
  std::uint64_t inbound_sa_expired = 0;
  std::uint64_t outbound_sa_expired = 0;
  std::uint64_t outbound_sa_updated = 0;

  template <class V>
  void visit(V&& v) const {
    v("rxerrors", rxerrors), v("route-errors", route_errors);
    v("protocol-errors", protocol_errors), v("version-errors", version_errors);
    v("parameter-errors", parameter_errors), v("authentication-errors", authentication_errors);
    v("public-key-errors", public_key_errors), v("negotiations-initiated", negotiations_initiated);
    v("negotiations-expired", negotiations_expired), v("challenges-offered", challenges_offered);
    v("challenges-accepted", challenges_accepted), v("keypairs-offered", keypairs_offered);
    v("keypairs-negotiated", keypairs_negotiated), v("inbound-sa-expired", inbound_sa_expired);
    v("outbound-sa-expired", outbound_sa_expired), v("outbound-sa-updated", outbound_sa_updated);
  }
};

// The worker's own losses, which no container of Vita's schema names
// (rendered as `worker`, after key-manager):
// * link-drops: packets dropped because a link between two pipeline stages
//   was full (io::Link::overflows(), summed over the worker's links). A
//   link of the poll loop holds what one poll's receive bursts can cause;
//   the one the key-exchange thread fills (kSeparate) outgrows it when the
//   worker does not take the datagrams for long enough.
// * sa-install-errors: static SAs (outbound-sa, inbound-sa of a data-plane
//   configuration) that a reconfiguration could not install, for want of
//   locked memory (each also logged); the next reconfiguration retries
//   them.
struct WorkerCounters {
  std::uint64_t link_drops = 0;
  std::uint64_t sa_install_errors = 0;

  template <class V>
  void visit(V&& v) const {
    v("link-drops", link_drops), v("sa-install-errors", sa_install_errors);
  }
};

// NAT traversal, Strait's extension (docs/NAT-TRAVERSAL.md), rendered as
// `nat-traversal` after `worker`, and only by a gateway with a route that
// uses udp-encapsulation:
// * keepalives-received / keepalives-sent: NAT keepalives (one byte 0xff,
//   RFC 3948 2.3) on the nat-traversal port; received ones are dropped.
// * udp-errors: UDP on the nat-traversal port that is none of ESP, a
//   keepalive or a marked key-exchange message (bad UDP length, a payload
//   too short for ESP, a 0xff with more bytes), or a marked key-exchange
//   message on a gateway without key exchange (data-plane).
// * encapsulation-errors: ESP in UDP for an SA of a route without
//   udp-encapsulation (dropped before decryption).
// * endpoint-changes: times a route's peer address or port changed, learned
//   from an authenticated key-exchange message or ESP packet.
// * esp-keepalives-sent / esp-keepalives-received: ESP dummy packets (next
//   header 59) in UDP, the authenticated keepalives; received ones are
//   dropped once they passed ICV and replay check (and taught the endpoint).
struct NatTraversalCounters {
  std::uint64_t keepalives_received = 0;
  std::uint64_t keepalives_sent = 0;
  std::uint64_t udp_errors = 0;
  std::uint64_t encapsulation_errors = 0;
  std::uint64_t endpoint_changes = 0;
  std::uint64_t esp_keepalives_received = 0;
  std::uint64_t esp_keepalives_sent = 0;

  template <class V>
  void visit(V&& v) const {
    v("keepalives-received", keepalives_received), v("keepalives-sent", keepalives_sent);
    v("udp-errors", udp_errors), v("encapsulation-errors", encapsulation_errors);
    v("endpoint-changes", endpoint_changes);
    v("esp-keepalives-received", esp_keepalives_received);
    v("esp-keepalives-sent", esp_keepalives_sent);
  }
};

}  // namespace strait::state
