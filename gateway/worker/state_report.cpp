#include "worker/state_report.hpp"

#include <map>
#include <string_view>
#include <vector>

#include "base/clock.hpp"

namespace strait::worker {

namespace {

// Counter name -> value, in first-seen (schema) order.
class Container {
 public:
  void add(std::string_view name, std::uint64_t value) {
    for (auto& [n, v] : entries_)
      if (n == name) {
        v += value;
        return;
      }
    entries_.emplace_back(std::string(name), value);
  }
  // A leaf that is not a counter (a word), after the counters.
  void add_word(std::string_view name, std::string_view word) {
    words_.emplace_back(std::string(name), std::string(word));
  }
  void render(std::string& out, std::string_view name, int indent) const {
    const std::string pad(static_cast<std::size_t>(indent), ' ');
    out += pad + std::string(name) + " {\n";
    for (const auto& [n, v] : entries_)
      out += pad + "  " + n + " " + std::to_string(v) + ";\n";
    for (const auto& [n, w] : words_)
      out += pad + "  " + n + " " + w + ";\n";
    out += pad + "}\n";
  }

 private:
  std::vector<std::pair<std::string, std::uint64_t>> entries_;
  std::vector<std::pair<std::string, std::string>> words_;
};

// Whole seconds from `now` until `at` (0 if past, or if `at` is 0).
std::uint64_t seconds_until(base::Nanoseconds at, base::Nanoseconds now) {
  if (at == 0 || at == base::kNever || at <= now) return 0;
  return (at - now) / base::kSecond;
}

// `age` and `expires-in` (seconds) of an SA negotiated with lifetime
// `ttl`; nothing if its expiry is unknown (0).
void lifetime(std::string& out, base::Nanoseconds expires, base::Nanoseconds ttl,
              base::Nanoseconds now) {
  if (expires == 0) return;
  const base::Nanoseconds installed = expires >= ttl ? expires - ttl : 0;
  out +=
      "    age " + std::to_string(now > installed ? (now - installed) / base::kSecond : 0) + ";\n";
  out += "    expires-in " + std::to_string(seconds_until(expires, now)) + ";\n";
}

}  // namespace

std::string render_gateway_state(std::span<const Worker* const> workers, StateExtras extras) {
  Container private_interface, public_interface, private_next_hop, public_next_hop,
      private_dispatch, public_dispatch, private_router, public_router, private_icmp, public_icmp,
      inbound_icmp, key_manager, worker_internal, nat_traversal;
  bool any_nat_traversal = false;
  // public_icmp counts the queues whose public interface is of the private
  // network's family (all of them but with the dual-stack extension),
  // public_icmp_other the others.
  Container public_icmp_other;
  bool other_public = false, same_public = false;
  const bool ipv6 = !workers.empty() && workers.front()->family() == net::Family::kIpv6;
  auto into = [](Container& c) {
    return [&c](std::string_view n, std::uint64_t v) { c.add(n, v); };
  };
  for (const Worker* w : workers) {
    w->private_port().counters().visit(into(private_interface));
    w->public_port().counters().visit(into(public_interface));
    w->private_next_hop().visit(into(private_next_hop), ipv6);
    const bool public_ipv6 = w->public_family() == net::Family::kIpv6;
    other_public = other_public || public_ipv6 != ipv6;
    same_public = same_public || public_ipv6 == ipv6;
    w->public_next_hop().visit(into(public_next_hop), public_ipv6);
    w->private_dispatch().visit(into(private_dispatch));
    w->public_dispatch().visit(into(public_dispatch));
    w->private_router().visit(into(private_router));
    w->public_router().visit(into(public_router));
    w->private_icmp().visit(into(private_icmp), ipv6);
    w->public_icmp().visit(into(public_ipv6 == ipv6 ? public_icmp : public_icmp_other),
                           public_ipv6);
    w->inbound_icmp().visit(into(inbound_icmp), ipv6);
    w->key_manager_counters().visit(into(key_manager));
    w->worker_counters().visit(into(worker_internal));
    if (w->nat_traversal()) {
      any_nat_traversal = true;
      w->nat_traversal_counters().visit(into(nat_traversal));
    }
  }
  std::string out = "gateway-state {\n";
  private_interface.render(out, "private-interface", 2);
  public_interface.render(out, "public-interface", 2);
  private_next_hop.render(out, "private-next-hop", 2);
  public_next_hop.render(out, "public-next-hop", 2);
  private_dispatch.render(out, "private-dispatch", 2);
  public_dispatch.render(out, "public-dispatch", 2);
  private_router.render(out, "private-router", 2);
  public_router.render(out, "public-router", 2);
  const char* family = ipv6 ? "6" : "4";
  private_icmp.render(out, std::string("private-icmp") + family, 2);
  if (same_public || !other_public) public_icmp.render(out, std::string("public-icmp") + family, 2);
  if (other_public)
    public_icmp_other.render(out, std::string("public-icmp") + (ipv6 ? "4" : "6"), 2);
  inbound_icmp.render(out, std::string("inbound-icmp") + family, 2);
  key_manager.render(out, "key-manager", 2);
  if (extras.esp_implementation && !workers.empty())
    worker_internal.add_word("esp-implementation", workers.front()->esp_implementation());
  worker_internal.render(out, "worker", 2);  // not in Vita's schema: after its containers
  // Strait's extension (docs/NAT-TRAVERSAL.md): only where it is used.
  if (any_nat_traversal) nat_traversal.render(out, "nat-traversal", 2);
  for (const Worker* w : workers) {
    const base::Nanoseconds now = w->clock().now();
    w->sas().for_each_inbound([&](std::uint32_t route, const esp::InboundSa& sa) {
      out += "  inbound-sa {\n";
      out += "    spi " + std::to_string(sa.spi()) + ";\n";
      out += "    queue " + std::to_string(w->queue()) + ";\n";
      out += "    route " + w->route_ids()[route] + ";\n";
      out += "    sa-state {\n";
      out += "      rxerrors " + std::to_string(sa.counters.rxerrors) + ";\n";
      out += "      protocol-errors " + std::to_string(sa.counters.protocol_errors) + ";\n";
      out += "      decrypt-errors " + std::to_string(sa.counters.decrypt_errors) + ";\n";
      out += "    }\n";
      const keymanager::KeyManager* km = w->key_manager();
      if (km != nullptr) lifetime(out, km->inbound_expires(route, sa.spi()), km->sa_ttl(), now);
      out += "    highest-sequence " + std::to_string(sa.window().highest()) + ";\n";
      out += "  }\n";
    });
  }
  for (const Worker* w : workers) {
    const base::Nanoseconds now = w->clock().now();
    const keymanager::KeyManager* km = w->key_manager();
    for (std::uint32_t route = 0; route < w->sas().route_count(); ++route) {
      const esp::OutboundSa* sa = w->sas().outbound(route);
      if (sa == nullptr) continue;
      out += "  outbound-sa {\n";
      out += "    route " + w->route_ids()[route] + ";\n";
      out += "    queue " + std::to_string(w->queue()) + ";\n";
      out += "    spi " + std::to_string(sa->spi()) + ";\n";
      out += "    packets " + std::to_string(sa->last_sequence()) + ";\n";
      if (km != nullptr) {
        const auto times = km->route_times(route);
        lifetime(out, times.outbound_expires, km->sa_ttl(), now);
        out += "    rekey-in " + std::to_string(seconds_until(times.rekey_at, now)) + ";\n";
      }
      out += "  }\n";
    }
  }
  out += "}\n";
  return out;
}

std::string render_queue_state(const Worker& worker, StateExtras extras) {
  const Worker* one[] = {&worker};
  return render_gateway_state(one, extras);
}

}  // namespace strait::worker
