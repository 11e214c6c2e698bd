#pragma once
// The software benchmark scenario of the reference implementation: one
// gateway whose public port is looped back to itself (every route's gateway
// is the gateway's own public address, PROTOCOL.md's loopback case), with
// synthetic traffic sent into its private port by a generator thread and
// counted at the private output. Each packet is therefore encrypted and
// decrypted once, and routed twice.
//
// With key_exchange set the gateway negotiates its SAs instead of loading
// static ones (data-plane false; it negotiates with itself through the
// looped-back port, PROTOCOL.md 2.4): the benchmark first fast-forwards a
// clock of its own (system time plus an offset it bumps while the gateway is
// idle) until every route has its outbound SA and a first rekey has taken
// effect (so exchanges and activations of new SAs go on at their steady
// pace), then measures as above with the key manager live on real time.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace strait::bench {

struct Options {
  std::vector<std::uint32_t> frame_sizes{60};  // cycled; Ethernet frame bytes without FCS
  std::string size_label = "60";
  std::uint64_t packets = 10'000'000;
  std::uint32_t routes = 1;
  std::optional<int> cpu;  // pin the gateway thread
  // Run the simulated hosts (traffic source and sink) on a thread of their
  // own instead of interleaving them with the gateway on one core.
  bool host_thread = false;
  double timeout_seconds = 120;

  // Negotiated SAs instead of static ones (see above).
  bool key_exchange = false;
  std::uint32_t sa_ttl = 600;         // seconds
  std::uint32_t negotiation_ttl = 5;  // seconds
  double keying_limit_seconds = 0;    // virtual; 0: 60 s + 0.1 s per route + sa-ttl
  // Called every 60 virtual seconds of the fast-forward with the routes
  // keyed so far and the virtual seconds elapsed.
  std::function<void(std::uint32_t keyed, double virtual_seconds)> progress;
};

// The shortest sa-ttl (seconds) with which `routes` looped-back routes
// rekey without loss, even when one attempt fails. A route's next exchange
// is due at half of sa-ttl plus up to an eighth (J) after its last one, and
// its new outbound SA takes effect 1.5 x negotiation-ttl (A) after the
// exchange; both must fit in sa-ttl. The key manager starts at most 20
// negotiations a second in due order, so when more are due than that,
// every route's turn comes round every P = routes / 20 seconds (routes due
// up to J later may pass it). A failed attempt costs negotiation-ttl (N)
// and a place at the back of the queue, about P - sa-ttl / 2. Hence
//   sa-ttl > (2P + N + A) / 1.375, > (P + A) / 0.875 and > (N + A) / 0.375,
// each with a second and a twentieth of P of margin. From about 500 routes
// on (negotiation-ttl 5) rekeys fall due faster than 20 a second with this
// lifetime (routes / (0.5625 sa-ttl) > 20), so the key manager initiates
// at its cap all the time: 10,000 routes get 756 s.
std::uint32_t shortest_safe_sa_ttl(std::uint32_t routes, std::uint32_t negotiation_ttl);

// What the key manager did (key_exchange runs only).
struct KeyExchangeReport {
  std::uint32_t routes_keyed = 0;                 // with an outbound SA when measuring began
  double keying_virtual_seconds = 0;              // until every route had its outbound SA
  double fast_forward_virtual_seconds = 0;        // until the first rekey took effect
  double keying_seconds = 0;                      // the whole fast-forward, wall
  std::uint64_t keying_negotiations_expired = 0;  // during the fast-forward
  std::uint64_t keying_messages_dropped = 0;      // during the fast-forward
  // During the measured interval:
  std::uint64_t exchanges = 0;            // completed (counted as initiator)
  std::uint64_t initiated = 0;            // negotiations started
  std::uint64_t outbound_sa_updated = 0;  // new outbound SAs that took effect
  std::uint64_t outbound_sa_expired = 0;  // routes left without one (must be 0)
  std::uint64_t negotiations_expired = 0;
  std::uint64_t rxerrors = 0;            // key-exchange messages dropped
  std::uint32_t routes_keyed_after = 0;  // with an outbound SA when it ended
};

struct Report {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;   // at the private output, verified
  std::uint64_t corrupted = 0;  // received but not the packet that was sent
  std::uint64_t bytes = 0;      // frame bytes received
  double seconds = 0;
  double mpps = 0;
  double gbps = 0;
  std::uint64_t peak_rss_kib = 0;
  std::string esp_architecture;
  std::optional<KeyExchangeReport> key_exchange;
};

base::Result<Report> run(const Options& options);

}  // namespace strait::bench
