#include "sim/invariants.hpp"

#include <cstring>

#include "config/syntax_tree.hpp"
#include "net/headers.hpp"
#include "sim/flow.hpp"
#include "sim/sim_gateway.hpp"
#include "worker/worker.hpp"

namespace strait::sim {

namespace {

// FNV-1a, 64 bits: the identity of a key schedule (never printed).
std::uint64_t fnv(const void* data, std::size_t length, std::uint64_t h = 0xcbf29ce484222325ull) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  for (std::size_t i = 0; i < length; ++i)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

std::uint64_t little64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = v << 8 | p[i];
  return v;
}

// The ESP header of a frame (nullptr if it carries none): plain, or in UDP
// from or to `nat_port` (NAT traversal; 0: none), not a keepalive or a
// marked key-exchange message.
const std::uint8_t* esp_of(std::span<const std::uint8_t> frame, std::uint16_t nat_port) {
  constexpr std::size_t e = net::kEthernetHeaderSize;
  if (frame.size() < e + 20) return nullptr;
  const std::uint16_t type = net::load16(frame.data() + 12);
  const std::uint8_t* ip = frame.data() + e;
  if (nat_port != 0) {
    const bool v4 = type == net::kEthertypeIpv4;
    const std::size_t header = v4 ? (ip[0] & 15u) * 4 : 40;
    const std::uint8_t protocol = v4 ? ip[9] : ip[6];
    const std::uint8_t* udp = ip + header;
    if (protocol == net::kProtocolUdp && frame.size() >= e + header + 8 + 16 &&
        (net::load16(udp) == nat_port || net::load16(udp + 2) == nat_port) &&
        net::load32(udp + 8) != 0)
      return udp + 8;
  }
  if (type == net::kEthertypeIpv4 && ip[9] == net::kProtocolEsp &&
      frame.size() >= e + (ip[0] & 15u) * 4 + 16)
    return ip + (ip[0] & 15u) * 4;
  if (type == net::kEthertypeIpv6 && frame.size() >= e + 40 + 16 && ip[6] == net::kProtocolEsp)
    return ip + 40;
  return nullptr;
}

// Calls f(entry) for each `keyword { ... }` below gateway-state.
template <class F>
void for_each_entry(const config::Statements& state, const std::string& keyword, F&& f) {
  for (const auto& top : state)
    for (const auto& s : top.children)
      if (s.keyword == keyword) f(s);
}

std::string leaf(const config::Statement& entry, const std::string& keyword) {
  for (const auto& c : entry.children)
    if (c.keyword == keyword && c.value) return std::string(c.value->text.view());
  return "";
}

}  // namespace

void Invariants::report(base::Nanoseconds at, std::string what) {
  ++count_;
  if (violations_.size() < kKept) violations_.push_back({at, std::move(what)});
}

void Invariants::public_frame(const SimGateway& sender, std::size_t queue,
                              std::span<const std::uint8_t> frame, base::Nanoseconds at) {
  if (holds_marker(frame))
    report(at, sender.name() + " queue " + std::to_string(queue + 1) +
                   " sent a private flow's plaintext on a public link");
  const config::GatewayConfig& config = sender.config();
  const std::uint8_t* esp =
      esp_of(frame, config.uses_udp_encapsulation() ? config.nat_traversal.port : 0);
  if (esp == nullptr) return;
  ++esp_frames_;
  const std::uint32_t spi = net::load32(esp);
  const std::uint64_t iv = little64(esp + 8);
  const worker::Worker& w = sender.worker(queue);
  const esp::OutboundSa* sa = nullptr;
  for (std::uint32_t r = 0; r < w.sas().route_count() && sa == nullptr; ++r)
    if (const esp::OutboundSa* o = w.sas().outbound(r); o && o->spi() == spi) sa = o;
  if (sa == nullptr) {
    report(at, sender.name() + " sent ESP on spi " + std::to_string(spi) +
                   " that no outbound SA of its queue has");
    return;
  }
  const std::uint64_t key = fnv(sa->salt(), 4, fnv(&sa->key(), sizeof(sa->key())));
  const auto [it, fresh] = last_iv_.emplace(key, iv);
  if (!fresh) {
    if (iv <= it->second)
      report(at, sender.name() + " queue " + std::to_string(queue + 1) + " reused a nonce: spi " +
                     std::to_string(spi) + " IV " + std::to_string(iv) + " after " +
                     std::to_string(it->second) + " under the same key");
    else
      it->second = iv;
  }
}

void Invariants::sa_lifetimes(SimGateway& gateway, base::Nanoseconds at) {
  if (gateway.config().data_plane) return;
  auto text = gateway.state(std::nullopt);
  if (!text) return;
  auto state = config::parse_document(*text, "gateway-state");
  if (!state) return;
  const std::uint64_t ttl = gateway.config().sa_ttl;
  for (const char* kind : {"inbound-sa", "outbound-sa"})
    for_each_entry(*state, kind, [&](const config::Statement& e) {
      const std::string age = leaf(e, "age");
      if (!age.empty() && std::stoull(age) > ttl + 1)
        report(at, gateway.name() + " " + kind + " spi " + leaf(e, "spi") + " queue " +
                       leaf(e, "queue") + " is " + age + " s old, past its sa-ttl of " +
                       std::to_string(ttl) + " s");
    });
}

void Invariants::converged(std::vector<std::unique_ptr<SimGateway>>& gateways, base::Nanoseconds at,
                           const std::string& when) {
  for (auto& g : gateways) {
    if (g->config().data_plane) continue;
    for (std::size_t q = 0; q < g->queue_count(); ++q) {
      const worker::Worker& w = g->worker(q);
      for (std::uint32_t r = 0; r < w.sas().route_count(); ++r) {
        const std::string route = w.route_ids()[r];
        const esp::OutboundSa* sa = w.sas().outbound(r);
        const std::string where =
            g->name() + " queue " + std::to_string(w.queue()) + " route " + route + " " + when;
        if (sa == nullptr) {
          ++unconverged_;
          report(at, where + ": no outbound SA");
          continue;
        }
        // The peer's queue that owns the route's gateway address holds it
        // inbound: the same SPI with the same key (a restarted peer may
        // have drawn the SPI again for another key).
        const net::Address& peer = w.sas().gateway(r);
        bool found = false, installed = false;
        for (auto& other : gateways)
          for (std::size_t p = 0; p < other->queue_count(); ++p)
            if (other->config().public_interfaces.at(p).ip == peer) {
              found = true;
              const esp::InboundSa* in = other->worker(p).sas().inbound(sa->spi());
              installed =
                  installed ||
                  (in != nullptr && std::memcmp(&in->key(), &sa->key(), sizeof(sa->key())) == 0 &&
                   std::memcmp(in->salt(), sa->salt(), 4) == 0);
            }
        if (found && !installed) {
          ++unconverged_;
          report(at, where + ": outbound SA spi " + std::to_string(sa->spi()) +
                         " not installed at the peer");
        }
      }
    }
  }
}

}  // namespace strait::sim
