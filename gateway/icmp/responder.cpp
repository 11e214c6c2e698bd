#include "icmp/responder.hpp"

#include <cstdio>

#include "net/checksum.hpp"
#include "net/headers.hpp"

namespace strait::icmp {

using Kind = state::IcmpCounters::Kind;
using namespace strait::net;

namespace {

// The counter an ICMPv4 message raises, or kTypeNotImplemented.
Kind classify4(std::uint8_t type, std::uint8_t code, bool& code_known) noexcept {
  code_known = true;
  switch (type) {
    case 3: {  // destination unreachable
      static constexpr Kind kCodes[] = {Kind::kNetUnreachable,      Kind::kHostUnreachable,
                                        Kind::kProtocolUnreachable, Kind::kPortUnreachable,
                                        Kind::kFragmentationNeeded, Kind::kSourceRouteFailed};
      if (code < 6) return kCodes[code];
      code_known = false;
      return Kind::kDestinationUnreachable;
    }
    case 11:  // time exceeded
      if (code == 0) return Kind::kTransitTtlExceeded;
      if (code == 1) return Kind::kReassemblyTimeExceeded;
      code_known = false;
      return Kind::kTimeExceeded;
    case 12:
      return Kind::kParameterProblem;
    case 5: {
      static constexpr Kind kCodes[] = {Kind::kRedirectNet, Kind::kRedirectHost,
                                        Kind::kRedirectTosNet, Kind::kRedirectTosHost};
      if (code < 4) return kCodes[code];
      code_known = false;
      return Kind::kRedirect;
    }
    case 8:
      code_known = code == 0;
      return Kind::kEchoRequest;
    default:
      return Kind::kTypeNotImplemented;
  }
}

Kind classify6(std::uint8_t type, std::uint8_t code, bool& code_known) noexcept {
  code_known = true;
  switch (type) {
    case 1: {  // destination unreachable
      static constexpr Kind kCodes[] = {Kind::kNetUnreachable,  Kind::kDestinationDenied,
                                        Kind::kScopeDenied,     Kind::kHostUnreachable,
                                        Kind::kPortUnreachable, Kind::kSourceDenied,
                                        Kind::kNetDenied};
      if (code < 7) return kCodes[code];
      code_known = false;
      return Kind::kDestinationUnreachable;
    }
    case 2:
      return Kind::kFragmentationNeeded;  // packet-too-big
    case 3:
      if (code == 0) return Kind::kTransitTtlExceeded;  // transit-hop-limit-exceeded
      if (code == 1) return Kind::kReassemblyTimeExceeded;
      code_known = false;
      return Kind::kTimeExceeded;
    case 4: {
      static constexpr Kind kCodes[] = {Kind::kHeaderFieldProblem, Kind::kNextHeaderProblem,
                                        Kind::kOptionProblem};
      if (code < 3) return kCodes[code];
      code_known = false;
      return Kind::kParameterProblem;
    }
    case 128:
      code_known = code == 0;
      return Kind::kEchoRequest;
    default:
      return Kind::kTypeNotImplemented;
  }
}

// Kinds that also raise their parent counter.
Kind parent_of(Kind k) noexcept {
  switch (k) {
    case Kind::kNetUnreachable:
    case Kind::kHostUnreachable:
    case Kind::kProtocolUnreachable:
    case Kind::kPortUnreachable:
    case Kind::kFragmentationNeeded:
    case Kind::kSourceRouteFailed:
    case Kind::kDestinationDenied:
    case Kind::kScopeDenied:
    case Kind::kSourceDenied:
    case Kind::kNetDenied:
      return Kind::kDestinationUnreachable;
    case Kind::kTransitTtlExceeded:
    case Kind::kReassemblyTimeExceeded:
      return Kind::kTimeExceeded;
    case Kind::kHeaderFieldProblem:
    case Kind::kNextHeaderProblem:
    case Kind::kOptionProblem:
      return Kind::kParameterProblem;
    case Kind::kRedirectNet:
    case Kind::kRedirectHost:
    case Kind::kRedirectTosNet:
    case Kind::kRedirectTosHost:
      return Kind::kRedirect;
    default:
      return Kind::kCount;
  }
}

}  // namespace

Responder::Verdict Responder::handle(io::Packet* p, std::size_t ip_length) noexcept {
  std::uint8_t* ip = p->data + kEthernetHeaderSize;
  return family_ == Family::kIpv4 ? handle4(ip, ip_length) : handle6(ip, ip_length);
}

Responder::Verdict Responder::handle4(std::uint8_t* ip, std::size_t ip_length) noexcept {
  auto* h = reinterpret_cast<Ipv4Header*>(ip);
  const std::size_t header_length = static_cast<std::size_t>(h->version_ihl & 0x0f) * 4;
  if (h->protocol != kProtocolIcmp || ip_length < header_length + sizeof(IcmpHeader)) {
    counters_.count(Kind::kRxErrors);
    return Verdict::kConsumed;
  }
  std::uint8_t* message = ip + header_length;
  const std::size_t message_length = ip_length - header_length;
  if (checksum(message, message_length) != 0) {
    counters_.count(Kind::kProtocolErrors);
    return Verdict::kConsumed;
  }
  auto* icmp = reinterpret_cast<IcmpHeader*>(message);
  bool code_known;
  const Kind kind = classify4(icmp->type, icmp->code, code_known);
  if (icmp->type == 0) return Verdict::kConsumed;  // echo reply: nothing to count or answer
  counters_.count(kind);
  if (const Kind parent = parent_of(kind); parent != Kind::kCount) counters_.count(parent);
  if (!code_known) counters_.count(Kind::kCodeNotImplemented);
  if (kind == Kind::kTypeNotImplemented || !code_known) return Verdict::kConsumed;
  if (kind != Kind::kEchoRequest) {
    log_error(icmp->type, icmp->code, h->source);
    return Verdict::kConsumed;
  }
  // Echo reply in place: swap addresses (the header checksum is unchanged
  // by a swap), type 8 -> 0, TTL 64.
  std::uint8_t tmp[4];
  std::memcpy(tmp, h->source, 4);
  std::memcpy(h->source, h->destination, 4);
  std::memcpy(h->destination, tmp, 4);
  const std::uint16_t old_ttl_word = load16(&h->ttl);
  h->ttl = 64;
  store16(h->checksum, checksum_adjust(load16(h->checksum), old_ttl_word, load16(&h->ttl)));
  const std::uint16_t old_type_word = load16(&icmp->type);
  icmp->type = 0;
  store16(icmp->checksum,
          checksum_adjust(load16(icmp->checksum), old_type_word, load16(&icmp->type)));
  return Verdict::kReply;
}

Responder::Verdict Responder::handle6(std::uint8_t* ip, std::size_t ip_length) noexcept {
  auto* h = reinterpret_cast<Ipv6Header*>(ip);
  if (h->next_header != kProtocolIcmp6 || ip_length < kIpv6HeaderSize + sizeof(IcmpHeader)) {
    counters_.count(Kind::kRxErrors);
    return Verdict::kConsumed;
  }
  std::uint8_t* message = ip + kIpv6HeaderSize;
  const auto message_length = static_cast<std::uint32_t>(ip_length - kIpv6HeaderSize);
  const std::uint32_t pseudo =
      pseudo_header_ipv6(h->source, h->destination, kProtocolIcmp6, message_length);
  if (checksum_finish(checksum_partial(message, message_length, pseudo)) != 0) {
    counters_.count(Kind::kProtocolErrors);
    return Verdict::kConsumed;
  }
  auto* icmp = reinterpret_cast<IcmpHeader*>(message);
  if (icmp->type == 129) return Verdict::kConsumed;  // echo reply
  bool code_known;
  const Kind kind = classify6(icmp->type, icmp->code, code_known);
  counters_.count(kind);
  // Packet Too Big is a type of its own in ICMPv6, not a destination-unreachable code.
  if (const Kind parent = kind == Kind::kFragmentationNeeded ? Kind::kCount : parent_of(kind);
      parent != Kind::kCount)
    counters_.count(parent);
  if (!code_known) counters_.count(Kind::kCodeNotImplemented);
  if (kind == Kind::kTypeNotImplemented || !code_known) return Verdict::kConsumed;
  if (kind != Kind::kEchoRequest) {
    log_error(icmp->type, icmp->code, h->source);
    return Verdict::kConsumed;
  }
  // Swapping source and destination leaves the pseudo-header sum as it is.
  std::uint8_t tmp[16];
  std::memcpy(tmp, h->source, 16);
  std::memcpy(h->source, h->destination, 16);
  std::memcpy(h->destination, tmp, 16);
  h->hop_limit = 64;
  const std::uint16_t old_type_word = load16(&icmp->type);
  icmp->type = 129;
  store16(icmp->checksum,
          checksum_adjust(load16(icmp->checksum), old_type_word, load16(&icmp->type)));
  return Verdict::kReply;
}

void Responder::log_error(std::uint8_t type, std::uint8_t code,
                          const std::uint8_t* source) noexcept {
  if (!log_limit_.allow(clock_.now())) return;
  const Address from = family_ == Family::kIpv4 ? Address::ipv4(source) : Address::ipv6(source);
  std::fprintf(stderr, "%s ICMP%s error type %u code %u from %s\n", name_,
               family_ == Family::kIpv4 ? "" : "v6", type, code, from.to_string().c_str());
}

}  // namespace strait::icmp
