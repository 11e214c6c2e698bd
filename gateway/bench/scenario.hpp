#pragma once
// The software benchmark scenario of the reference implementation: per
// queue, one worker whose public port is looped back to itself (every
// route's gateway is the gateway's own public address, PROTOCOL.md's
// loopback case), with the hosts of its private network (traffic.hpp)
// on the same core. Each packet is therefore encrypted and decrypted once,
// and routed twice. Every packet is checked: at the private output byte
// for byte against what was sent (traffic.hpp), on the public loop its
// outer headers and its SA (checks.hpp), and at the end every static SA's
// packet count against the plan; the first difference, or a packet that
// does not come out within a second, ends the run with an error.
//
// The run is a number of rounds; each round measures the pipeline (a share
// of the packets through the gateway) and the cryptography alone (as many
// packets through the same ESP code, crypto_loop.hpp), in alternating
// order, so both see the same machine; the figures are the medians over the
// rounds, and the ratio the median of the rounds' ratios. With several
// queues each runs on a core of its own with its own share of the routes,
// all at once, and each round also runs queue 0 alone: the scaling is the
// packet rate of all queues over that of queue 0 alone.
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
#include "esp/engine.hpp"

namespace strait::bench {

// Test hooks: the gateway's output made wrong on purpose; the run must
// then fail.
struct Fault {
  enum class Kind : std::uint8_t {
    kNone,
    kCorruptPayload,      // the last byte of a packet the gateway delivers flipped
    kRewriteDestination,  // a delivered packet given the next route's address (checksum fixed)
    kDrop,                // a delivered packet dropped
    kCorruptCiphertext,   // a ciphertext byte flipped on the public loop (decryption rejects it)
    kSwapRoutes,          // configuration: the first two routes' prefixes swapped (the gateway
                          // sends their traffic under each other's SA)
  };
  Kind kind = Kind::kNone;
  std::uint64_t packet = 0;  // which packet of queue 0 (by serial, from 0)
};

struct Options {
  std::vector<std::uint32_t> frame_sizes{60};  // cycled; Ethernet frame bytes without FCS
  std::string size_label = "60";
  std::uint64_t packets = 10'000'000;  // through the pipeline, per queue, over all rounds
  std::uint32_t routes = 1;            // shared out among the queues
  std::uint32_t queues = 1;
  std::uint32_t rounds = 10;
  // Pin queue i to CPU cpu + i (with several queues or host_thread, the
  // first CPU the process may use if not given).
  std::optional<int> cpu;
  // Run the simulated hosts (traffic source and sink) on a thread of their
  // own, pinned to another CPU, instead of interleaving them with the
  // gateway on one core (one queue only).
  bool host_thread = false;
  double timeout_seconds = 120;
  // A packet that has not come out this long after the last one did is
  // lost: the run ends with an error.
  double stall_seconds = 1;

  // Negotiated SAs instead of static ones (see above; one queue only).
  bool key_exchange = false;
  std::uint32_t sa_ttl = 600;         // seconds
  std::uint32_t negotiation_ttl = 5;  // seconds
  double keying_limit_seconds = 0;    // virtual; 0: 60 s + 0.1 s per route + sa-ttl
  // Called every 60 virtual seconds of the fast-forward with the routes
  // keyed so far and the virtual seconds elapsed.
  std::function<void(std::uint32_t keyed, double virtual_seconds)> progress;

  // Test hooks.
  Fault fault;
  // Busy time added per packet in the pipeline's rounds only: a pipeline
  // made slower on purpose (the ratio guard's own test).
  double pipeline_delay_ns = 0;
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

// Only a run in which every packet came out as sent gives a report: any
// difference, loss or stall is an error saying which packet and what.
struct Report {
  std::uint64_t packets = 0;  // through the pipeline, all queues and rounds, every one checked
  std::uint64_t bytes = 0;    // their frame bytes
  std::size_t in_flight = 0;  // packets in flight per queue
  // The pipeline's rounds with every queue running.
  double seconds = 0;  // their wall time, summed
  double mpps = 0;     // all queues
  double gbps = 0;
  // Nanoseconds per packet of the thread's CPU time (the time another
  // process had the core is not counted; with --host-thread, of wall time),
  // medians over the rounds (several queues: the mean of the queues in each
  // round), and the ratio (the median of each round's pipeline / crypto).
  double pipeline_ns = 0;
  double crypto_ns = 0;
  double ratio = 0;
  std::vector<double> pipeline_ns_rounds, crypto_ns_rounds, ratio_rounds;
  // Several queues (medians of the rounds'): queue 0 alone, and the
  // scaling: the packet rate of all queues at once over queue 0's alone,
  // by the wall clock (what this machine gave, other processes included)
  // and by CPU time (the sum of each queue's packets per CPU second over
  // queue 0's alone: what the cores do when the machine is the gateway's).
  double single_queue_mpps = 0;
  double scaling = 0;
  double scaling_cpu = 0;
  std::vector<double> scaling_rounds, scaling_cpu_rounds;
  bool sa_counts_checked = false;  // static SAs: every SA's packets matched the plan
  std::uint64_t peak_rss_kib = 0;
  std::string esp_architecture;
  std::optional<KeyExchangeReport> key_exchange;
};

base::Result<Report> run(const Options& options);

}  // namespace strait::bench
