#include "top/top_model.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>

#include "config/syntax_tree.hpp"

namespace strait::top {

namespace {

std::uint64_t number(const config::Statement& s) {
  std::uint64_t v = 0;
  if (s.value)
    std::from_chars(s.value->text.data(), s.value->text.data() + s.value->text.size(), v);
  return v;
}

SaEntry sa_entry(const config::Statement& s) {
  SaEntry e;
  e.outbound = s.keyword == "outbound-sa";
  for (const auto& c : s.children) {
    if (c.keyword == "route" && c.value) e.route = std::string(c.value->text.view());
    if (c.keyword == "queue") e.queue = static_cast<unsigned>(number(c));
    if (c.keyword == "spi") e.spi = static_cast<std::uint32_t>(number(c));
    if (c.keyword == "age") e.age = number(c);
    if (c.keyword == "expires-in") e.expires_in = number(c);
    if (c.keyword == "rekey-in") e.rekey_in = number(c);
    if (c.keyword == "packets" || c.keyword == "highest-sequence") e.packets = number(c);
    if (c.keyword == "sa-state")
      for (const auto& leaf : c.children)
        e.errors += number(leaf);
  }
  return e;
}

double rate(std::uint64_t now, std::uint64_t before, double elapsed) {
  if (elapsed <= 0 || now < before) return 0;
  return static_cast<double>(now - before) / elapsed;
}

std::string queue_name(const std::optional<unsigned>& queue) {
  return queue ? std::to_string(*queue) : "all";
}

}  // namespace

std::uint64_t QueueCounters::value(const std::string& container, const std::string& leaf) const {
  for (const auto& [name, leaves] : containers)
    if (name == container)
      for (const auto& [l, v] : leaves)
        if (l == leaf) return v;
  return 0;
}

bool is_problem_counter(const std::string& leaf) {
  return leaf.find("drop") != std::string::npos || leaf.find("error") != std::string::npos;
}

base::Result<Snapshot> parse_snapshot(const StateReading& reading) {
  Snapshot snapshot;
  snapshot.taken = reading.taken;
  // The summed document lists every queue's SAs: take them from it alone
  // when there is one, so that a queue's own document adds none twice.
  bool summed = false;
  for (const StateDocument& document : reading.documents)
    summed = summed || !document.queue;
  for (const StateDocument& document : reading.documents) {
    auto parsed = config::parse_document(document.text, "gateway-state");
    if (!parsed) return parsed.error();
    QueueCounters counters;
    counters.queue = document.queue;
    for (const auto& top : *parsed) {
      if (top.keyword != "gateway-state") continue;
      for (const auto& c : top.children) {
        if (!c.has_block) continue;
        if (c.keyword == "inbound-sa" || c.keyword == "outbound-sa") {
          if (!summed || !document.queue) snapshot.sas.push_back(sa_entry(c));
          continue;
        }
        std::vector<std::pair<std::string, std::uint64_t>> leaves;
        for (const auto& leaf : c.children)
          if (!leaf.has_block && leaf.value) leaves.emplace_back(leaf.keyword, number(leaf));
        counters.containers.emplace_back(c.keyword, std::move(leaves));
      }
    }
    snapshot.queues.push_back(std::move(counters));
  }
  return snapshot;
}

View compute_view(const Snapshot* previous, const Snapshot& current) {
  View view;
  if (previous != nullptr && current.taken > previous->taken) {
    view.has_rates = true;
    view.elapsed = static_cast<double>(current.taken - previous->taken) / 1e9;
  }
  const auto before = [&](const QueueCounters& q) -> const QueueCounters* {
    if (!view.has_rates) return nullptr;
    for (const auto& p : previous->queues)
      if (p.queue == q.queue) return &p;
    return nullptr;
  };
  for (const std::string interface : {"private", "public"}) {
    const std::string container = interface + "-interface";
    for (const QueueCounters& q : current.queues) {
      InterfaceRates r{interface, queue_name(q.queue)};
      if (const QueueCounters* p = before(q)) {
        const auto per_s = [&](const char* leaf) {
          return rate(q.value(container, leaf), p->value(container, leaf), view.elapsed);
        };
        r.rx_pps = per_s("rxpackets");
        r.tx_pps = per_s("txpackets");
        r.rx_bps = 8 * per_s("rxbytes");
        r.tx_bps = 8 * per_s("txbytes");
      }
      view.interfaces.push_back(r);
    }
  }
  // Problems and key-exchange counters: from the summed document when there
  // is one (each queue's own would count them again), else from each queue.
  bool summed = false;
  for (const QueueCounters& q : current.queues)
    summed = summed || !q.queue;
  for (const QueueCounters& q : current.queues) {
    if (summed && q.queue) continue;
    const QueueCounters* p = before(q);
    for (const auto& [container, leaves] : q.containers)
      for (const auto& [leaf, value] : leaves) {
        if (container == "key-manager") {
          const std::uint64_t old = p ? p->value(container, leaf) : value;
          if (is_problem_counter(leaf)) view.key_failures += value;
          if (!is_problem_counter(leaf))
            view.key_exchange.push_back({leaf, value, value >= old ? value - old : 0});
        }
        if (!is_problem_counter(leaf) || value == 0) continue;
        Problem problem{container + (q.queue ? " q" + std::to_string(*q.queue) : ""), leaf, value,
                        p ? rate(value, p->value(container, leaf), view.elapsed) : 0};
        view.problems.push_back(problem);
      }
  }
  std::uint64_t sa_errors = 0;
  for (const SaEntry& sa : current.sas) {
    SaRow row{sa, 0};
    sa_errors += sa.errors;
    if (view.has_rates)
      for (const SaEntry& old : previous->sas)
        if (old.spi == sa.spi && old.queue == sa.queue && old.outbound == sa.outbound)
          row.pps = rate(sa.packets, old.packets, view.elapsed);
    view.sas.push_back(row);
  }
  if (sa_errors > 0) {
    std::uint64_t old_errors = 0;
    if (view.has_rates)
      for (const SaEntry& old : previous->sas)
        old_errors += old.errors;
    view.problems.push_back({"inbound-sa", "sa-state errors", sa_errors,
                             view.has_rates ? rate(sa_errors, old_errors, view.elapsed) : 0});
  }
  std::stable_sort(view.problems.begin(), view.problems.end(),
                   [](const Problem& a, const Problem& b) {
                     return std::tie(b.per_second, b.total) < std::tie(a.per_second, a.total);
                   });
  std::stable_sort(view.sas.begin(), view.sas.end(), [](const SaRow& a, const SaRow& b) {
    return std::tuple(a.sa.route, a.sa.queue, !a.sa.outbound, a.sa.age.value_or(0)) <
           std::tuple(b.sa.route, b.sa.queue, !b.sa.outbound, b.sa.age.value_or(0));
  });
  return view;
}

}  // namespace strait::top
