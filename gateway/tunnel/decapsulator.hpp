#pragma once
// Public -> private: finds the inbound SA of each ESP packet by SPI,
// authenticates and decrypts it in place (esp::decrypt checks and updates
// the anti-replay window), validates the inner packet and trims TFC
// padding. Inner packets leave with `data` at an Ethernet header slot right
// in front of them.

#include "esp/engine.hpp"
#include "io/link.hpp"
#include "io/port.hpp"
#include "net/address.hpp"
#include "state/counters.hpp"
#include "tunnel/sa_database.hpp"

namespace strait::tunnel {

class Decapsulator {
 public:
  // `family`: of the inner packets (the private network's); `outer_family`:
  // of the public interface (another one with the dual-stack extension).
  Decapsulator(esp::Engine& engine, SaDatabase& sas, net::Family family, net::Family outer_family)
      : engine_(engine),
        sas_(sas),
        inner_ipv6_(family == net::Family::kIpv6),
        outer_ipv6_(outer_family == net::Family::kIpv6) {}

  // `in`: ESP packets whose outer IP header dispatch validated (length
  // trimmed to the outer IP total length). Authentic inner packets of the
  // configured family go to `out`; everything else is released and counted
  // (unknown SPI: public-router route-errors; the rest on the SA: an ESP
  // next header that is not the configured inner family, whatever the
  // outer one, is a protocol error).
  void process(io::Link& in, io::Link& out, io::Port& public_port,
               state::PublicRouterCounters& router) noexcept {
    run<false>(in, out, public_port, router, nullptr);
  }
  // ESP in UDP (NAT traversal, docs/NAT-TRAVERSAL.md): `in` as above with
  // a UDP header (length checked) in front of ESP. Only SAs of routes with
  // udp-encapsulation take them (else counted in nat encapsulation-errors);
  // a packet that passes its ICV and replay check from another address or
  // port than the route's peer endpoint moves the endpoint there
  // (SaDatabase::learn_endpoint).
  void process_udp(io::Link& in, io::Link& out, io::Port& public_port,
                   state::PublicRouterCounters& router, state::NatTraversalCounters& nat) noexcept {
    run<true>(in, out, public_port, router, &nat);
  }

 private:
  static constexpr std::size_t kPrefetchDistance = 4;
  template <bool kUdp>
  std::size_t esp_offset_of(const io::Packet* p) const noexcept;
  template <bool kUdp>
  void run(io::Link& in, io::Link& out, io::Port& public_port, state::PublicRouterCounters& router,
           state::NatTraversalCounters* nat) noexcept;

  void learn(const io::Packet* p, const std::uint8_t* esp_header, std::uint32_t route,
             const esp::InboundSa& sa, std::uint64_t sequence) noexcept;

  esp::Engine& engine_;
  SaDatabase& sas_;
  bool inner_ipv6_;
  bool outer_ipv6_;
};

}  // namespace strait::tunnel
