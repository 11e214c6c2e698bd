#pragma once
// Renders a gateway-state document (CONFIG.md, as `strait run` writes it)
// in the Prometheus text exposition format (version 0.0.4).
//
// Naming: strait_<container>_<leaf>, '-' becoming '_' and the interface
// counters' rx/tx prefix split off (rxpackets: rx_packets), so
// private-interface/rxpackets is strait_private_interface_rx_packets_total.
// Every leaf is a counter (suffix _total) except the SA lifetimes (age,
// expires-in, rekey-in: gauges in seconds). List entries (inbound-sa,
// outbound-sa) turn their key leaves (route, queue, spi) into labels and
// their nested containers (sa-state) into plain leaves:
// strait_inbound_sa_decrypt_errors_total{route="r1",queue="1",spi="1234"}.
// Gauges strait_inbound_sas / strait_outbound_sas count the entries per
// queue. Every sample carries instance="NAME", and queue="N" when the
// document is one queue's.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "config/syntax_tree.hpp"

namespace strait::metrics {

struct QueueState {
  std::optional<unsigned> queue;                 // nullopt: counters summed over the queues
  const config::Statements* document = nullptr;  // top level: gateway-state { ... }
};

// `states` in order; a metric family's samples are grouped (as the format
// requires), a repeated sample (same name and labels) is kept once.
std::string render_exposition(std::string_view instance, std::span<const QueueState> states);

// Convenience: parses gateway-state text (one document, summed counters).
base::Result<std::string> render_exposition(std::string_view instance,
                                            std::string_view gateway_state_text);

// A label value escaped as the format asks (\\, \", \n).
std::string escape_label_value(std::string_view value);

// The metric name part for a gateway-state keyword: private-interface:
// private_interface, rxpackets: rx_packets.
std::string metric_name_part(std::string_view keyword);

}  // namespace strait::metrics
