// Fuzz target: what arrives on a gateway's public interface. The input
// selects one of the gateways of gateway_driver.hpp (first byte) and sends
// it frame records (records.hpp, kinds in gateway_driver.hpp): raw frames,
// IP packets with valid checksums, ESP sealed under the gateway's inbound
// SA (valid or flipped ICV, chosen sequence numbers, hand-made trailers),
// key-exchange datagrams, ICMP / ICMPv6 (neighbor discovery included),
// ARP, and clock steps that run the timers.
//
// Properties beyond "no crash, no sanitizer report, no leak":
// * Nothing reaches the private network unless ESP was sent, and on a
//   gateway with static SAs, unless authentic ESP was sent: a frame on the
//   private side needs an ESP record sealed under the gateway's inbound SA
//   with its ICV intact (key-exchange gateways: also a raw or IP record
//   that could be ESP). The fuzzer never sees the keys, so no other bytes
//   authenticate. (The private next hop is static in variants 0 to 3.)
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

// Whether a frame could carry ESP (or anything the gateway may decapsulate).
bool maybe_esp(const Bytes& frame) {
  const auto eth = testing::parse_ethernet(frame);
  if (!eth) return false;
  if (eth->ethertype == net::kEthertypeArp) return false;
  const auto ip = testing::parse_ip(eth->payload);
  if (!ip) return eth->ethertype == net::kEthertypeIpv4 || eth->ethertype == net::kEthertypeIpv6;
  return ip->protocol != net::kProtocolIcmp && ip->protocol != net::kProtocolIcmp6 &&
         ip->protocol != net::kProtocolUdp;
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
  bool esp_sent = false;
  const auto check_output = [&] {
    const auto to_private = driver.take(Side::kPrivate);
    check_transmitted(to_private, "private");
    check_transmitted(driver.take(Side::kPublic), "public");
    if (!esp_sent && driver.variant().static_private_nexthop)
      check(to_private.empty(), "a frame reached the private side though no ESP was sent");
  };
  while (records.next(r)) {
    const auto kind = r.op & kKindMask;
    if (driver.variant().static_sas) {
      if (kind == kEsp && !(r.op & kCorrupt)) esp_sent = true;
    } else if (kind == kEsp ||
               ((kind == kRaw || kind == kIp) && maybe_esp(driver.frame(Side::kPublic, r)))) {
      esp_sent = true;
    }
    driver.apply(Side::kPublic, r);
    check_output();
  }
  driver.settle(0);
  check_output();
  return 0;
}
