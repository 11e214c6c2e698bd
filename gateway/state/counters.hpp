#pragma once
// Counter groups of CONFIG.md's gateway-state, one struct per container.
// Each is plain data written by exactly one worker; visit() lists the
// counters by their schema names, in schema order, for rendering and
// aggregation across queues.

#include <array>
#include <cstdint>
#include <string_view>

namespace strait::state {

struct DispatchCounters {
  std::uint64_t rxerrors = 0;          // truncated or malformed frames
  std::uint64_t ethertype_errors = 0;  // neither IPv4/IPv6 nor ARP of the configured family
  std::uint64_t protocol_errors = 0;   // bad IP header, unhandled protocol
  std::uint64_t fragment_errors = 0;   // IP fragments (not handled)
  std::uint64_t checksum_errors = 0;   // bad IPv4 header checksum

  template <class V>
  void visit(V&& v) const {
    v("rxerrors", rxerrors), v("ethertype-errors", ethertype_errors);
    v("protocol-errors", protocol_errors), v("fragment-errors", fragment_errors);
    v("checksum-errors", checksum_errors);
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

}  // namespace strait::state
