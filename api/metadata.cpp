#include "api/metadata.hpp"

#include <algorithm>

#include "api/prom_json.hpp"

namespace vigil::api {

const char* to_string(metric_type t) noexcept {
  switch (t) {
    case metric_type::untyped: return "untyped";
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
    case metric_type::summary: return "summary";
    case metric_type::gaugehistogram: return "gaugehistogram";
    case metric_type::info: return "info";
    case metric_type::stateset: return "stateset";
  }
  return "untyped";
}

const char* api_type_name(metric_type t) noexcept {
  return t == metric_type::untyped ? "unknown" : to_string(t);
}

metadata_registry::metadata_registry(std::size_t max_metrics, std::size_t max_entries_per_metric)
  : max_metrics_(max_metrics), max_entries_(std::max<std::size_t>(max_entries_per_metric, 1)) {}

void metadata_registry::record(std::span<const metric_metadata> items) {
  if (items.empty()) return;
  std::lock_guard lock{mu_};
  for (const auto& m : items)
    if (!m.name.empty()) record_one(m);
}

void metadata_registry::record_one(const metric_metadata& m) {
  auto it = by_name_.find(m.name);
  if (it == by_name_.end()) {
    if (by_name_.size() >= max_metrics_) return;
    it = by_name_.emplace(m.name, std::vector<entry>{}).first;
  }
  auto& list = it->second;
  auto same = std::find_if(list.begin(), list.end(), [&](const entry& e) {
    return e.type == m.type && e.help == m.help && e.unit == m.unit;
  });
  if (same != list.end()) {
    std::rotate(list.begin(), same, same + 1); // move to the front
    return;
  }
  if (list.size() >= max_entries_) list.pop_back();
  list.insert(list.begin(), entry{m.type, m.help, m.unit});
}

std::string metadata_registry::render(const metadata_query& q) const {
  std::string data = "{";
  auto append_metric = [&](const std::string& name, const std::vector<entry>& list) {
    if (data.size() > 1) data += ',';
    append_json_string(data, name);
    data += ":[";
    std::size_t n = list.size();
    if (q.limit_per_metric > 0) n = std::min(n, static_cast<std::size_t>(q.limit_per_metric));
    for (std::size_t i = 0; i < n; ++i) {
      if (i) data += ',';
      data += R"({"type":)";
      append_json_string(data, api_type_name(list[i].type));
      data += R"(,"help":)";
      append_json_string(data, list[i].help);
      data += R"(,"unit":)";
      append_json_string(data, list[i].unit);
      data += '}';
    }
    data += ']';
  };
  if (q.limit != 0) {
    std::lock_guard lock{mu_};
    if (!q.metric.empty()) {
      if (auto it = by_name_.find(q.metric); it != by_name_.end()) append_metric(it->first, it->second);
    } else {
      std::int64_t emitted = 0;
      for (const auto& [name, list] : by_name_) {
        if (q.limit >= 0 && emitted++ >= q.limit) break;
        append_metric(name, list);
      }
    }
  }
  data += '}';
  return render_success_raw(data);
}

std::size_t metadata_registry::size() const {
  std::lock_guard lock{mu_};
  return by_name_.size();
}

} // namespace vigil::api
