// Fuzz target: what arrives on a gateway's private interface. The input
// selects one of the gateways of gateway_driver.hpp (first byte) and sends
// it frame records (records.hpp, kinds in gateway_driver.hpp): raw frames,
// IP packets with valid checksums (forwarded, fragmented, too big for the
// MTU, TTL running out, for no route), UDP between the sites' hosts,
// ICMP / ICMPv6 to the gateway (neighbor discovery included), ARP, and
// clock steps that run the timers.
//
// Properties beyond "no crash, no sanitizer report, no leak":
// * Nothing leaves the public side in the clear: every frame sent there is
//   ESP, ARP, neighbor discovery or a key-exchange datagram.
// * Every IPv4 header the gateway sends has a valid checksum.
#include <cstddef>
#include <cstdint>

#include "base/log.hpp"
#include "fuzz_check.hpp"
#include "gateway_driver.hpp"
#include "net/headers.hpp"
#include "testing/frame_view.hpp"

using namespace strait;
using namespace strait::fuzz;

namespace {

bool allowed_on_public_side(const Bytes& frame, std::uint16_t key_exchange_port) {
  const auto eth = testing::parse_ethernet(frame);
  if (!eth) return false;
  if (eth->ethertype == net::kEthertypeArp) return true;
  const auto ip = testing::parse_ip(eth->payload);
  if (!ip) return false;
  if (ip->protocol == net::kProtocolEsp) return true;
  if (ip->protocol == net::kProtocolIcmp6) {
    const auto nd = testing::parse_neighbor(*ip);
    return nd.has_value();
  }
  if (ip->protocol == net::kProtocolUdp) {
    const auto udp = testing::parse_udp(*ip);
    return udp && udp->source_port == key_exchange_port &&
           udp->destination_port == key_exchange_port;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  base::set_log_muted(true);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  GatewayDriver& driver = driver_for_input(data, size);
  RecordReader records({data + 1, size - 1});
  Record r;
  const auto check_output = [&] {
    check_transmitted(driver.take(Side::kPrivate), "private");
    const auto to_public = driver.take(Side::kPublic);
    check_transmitted(to_public, "public");
    for (const Bytes& f : to_public)
      check(allowed_on_public_side(f, driver.variant().options.protocol_port),
            "a frame left the public side that is not ESP, ARP, ND or key exchange");
  };
  while (records.next(r)) {
    driver.apply(Side::kPrivate, r);
    check_output();
  }
  driver.settle(0);
  check_output();
  return 0;
}
