#include "metrics/exposition.hpp"

#include <map>
#include <set>
#include <vector>

namespace strait::metrics {

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Family {
  std::string type;  // counter, gauge
  std::string help;
  std::vector<std::string> samples;
};

// Families in first-seen order, samples deduplicated.
class Exposition {
 public:
  void add(const std::string& name, std::string_view type, const std::string& help,
           const Labels& labels, std::string_view value) {
    std::string sample = name;
    if (!labels.empty()) {
      sample += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) sample += ',';
        sample += labels[i].first + "=\"" + escape_label_value(labels[i].second) + '"';
      }
      sample += '}';
    }
    if (!seen_.insert(sample).second) return;
    sample += ' ';
    sample += value;
    auto [it, inserted] = index_.try_emplace(name, families_.size());
    if (inserted) families_.push_back({name, Family{std::string(type), help, {}}});
    families_[it->second].second.samples.push_back(std::move(sample));
  }
  std::string text() const {
    std::string out;
    for (const auto& [name, family] : families_) {
      out += "# HELP " + name + ' ' + family.help + '\n';
      out += "# TYPE " + name + ' ' + family.type + '\n';
      for (const auto& s : family.samples)
        out += s + '\n';
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, Family>> families_;
  std::map<std::string, std::size_t> index_;
  std::set<std::string> seen_;
};

bool is_gauge(std::string_view leaf) {
  return leaf == "age" || leaf == "expires-in" || leaf == "rekey-in";
}

bool is_list_key(std::string_view leaf) {
  return leaf == "route" || leaf == "queue" || leaf == "spi";
}

bool is_number(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

// Help text: what the metric is in gateway-state terms (no quoting
// needed: keywords hold no backslash or newline).
std::string help_of(std::string_view path, bool gauge) {
  return std::string(gauge ? "Gauge (seconds) " : "Counter ") + "gateway-state/" +
         std::string(path) + " (CONFIG.md)";
}

void add_leaf(Exposition& out, std::string_view container, std::string_view path,
              const config::Statement& leaf, const Labels& labels) {
  if (!leaf.value || !is_number(leaf.value->text)) return;
  const bool gauge = is_gauge(leaf.keyword);
  std::string name = "strait_" + metric_name_part(container) + '_' + metric_name_part(leaf.keyword);
  name += gauge ? "_seconds" : "_total";
  out.add(name, gauge ? "gauge" : "counter", help_of(std::string(path) + "/" + leaf.keyword, gauge),
          labels, std::string(leaf.value->text.view()));
}

// A list entry: key leaves become labels (in the order route, queue, spi).
void add_entry(Exposition& out, const config::Statement& entry, Labels labels,
               std::map<std::pair<std::string, std::string>, std::uint64_t>& entries) {
  std::string queue_value;
  for (const char* key : {"route", "queue", "spi"})
    for (const auto& c : entry.children)
      if (c.keyword == key && c.value) {
        if (c.keyword == "queue") {
          queue_value = std::string(c.value->text.view());
          std::erase_if(labels, [](const auto& l) { return l.first == "queue"; });
        }
        labels.emplace_back(c.keyword, std::string(c.value->text.view()));
      }
  if (queue_value.empty())
    for (const auto& l : labels)
      if (l.first == "queue") queue_value = l.second;
  ++entries[{entry.keyword, queue_value}];
  for (const auto& c : entry.children) {
    if (c.has_block) {
      for (const auto& leaf : c.children)
        add_leaf(out, entry.keyword, entry.keyword + "/" + c.keyword, leaf, labels);
    } else if (!is_list_key(c.keyword)) {
      add_leaf(out, entry.keyword, entry.keyword, c, labels);
    }
  }
}

bool is_list_entry(const config::Statement& s) {
  for (const auto& c : s.children)
    if (!c.has_block && is_list_key(c.keyword)) return true;
  return false;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string metric_name_part(std::string_view keyword) {
  std::string out;
  if (keyword.size() > 2 && (keyword.starts_with("rx") || keyword.starts_with("tx")) &&
      keyword[2] >= 'a' && keyword[2] <= 'z') {
    out = std::string(keyword.substr(0, 2)) + '_';
    keyword.remove_prefix(2);
  }
  for (char c : keyword) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += ok ? c : '_';
  }
  return out;
}

std::string render_exposition(std::string_view instance, std::span<const QueueState> states) {
  Exposition out;
  std::map<std::pair<std::string, std::string>, std::uint64_t> entries;  // (list, queue)
  std::set<std::string> queues;
  for (const QueueState& state : states) {
    if (state.document == nullptr) continue;
    Labels labels{{"instance", std::string(instance)}};
    if (state.queue) {
      labels.emplace_back("queue", std::to_string(*state.queue));
      queues.insert(std::to_string(*state.queue));
    }
    for (const auto& top : *state.document) {
      if (top.keyword != "gateway-state" || !top.has_block) continue;
      for (const auto& c : top.children) {
        if (!c.has_block) continue;
        if (is_list_entry(c)) {
          add_entry(out, c, labels, entries);
        } else {
          for (const auto& leaf : c.children)
            add_leaf(out, c.keyword, c.keyword, leaf, labels);
        }
      }
    }
  }
  // SA counts per queue (0 for a queue that has none).
  for (const char* list : {"inbound-sa", "outbound-sa"}) {
    std::set<std::string> counted;
    for (const auto& [key, n] : entries)
      if (key.first == list) counted.insert(key.second);
    counted.insert(queues.begin(), queues.end());
    if (counted.empty()) counted.insert("");  // summed state without SAs: 0, no queue label
    for (const auto& queue : counted) {
      Labels labels{{"instance", std::string(instance)}};
      if (!queue.empty()) labels.emplace_back("queue", queue);
      const auto found = entries.find({list, queue});
      const std::uint64_t n = found == entries.end() ? 0 : found->second;
      out.add("strait_" + metric_name_part(list) + "s", "gauge",
              std::string("Number of ") + list + " entries in gateway-state", labels,
              std::to_string(n));
    }
  }
  return out.text();
}

base::Result<std::string> render_exposition(std::string_view instance,
                                            std::string_view gateway_state_text) {
  auto parsed = config::parse_document(gateway_state_text, "gateway-state");
  if (!parsed) return parsed.error();
  const QueueState state{std::nullopt, &*parsed};
  return render_exposition(instance, std::span<const QueueState>(&state, 1));
}

}  // namespace strait::metrics
