#include "api/tsdb_status.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "api/prom_json.hpp"

namespace vigil::api {

namespace {

/// Series count per value of one label name.
using value_counts = std::unordered_map<std::string_view, std::uint64_t>;

/// The `n` largest, by value descending then name ascending.
std::vector<tsdb_stat> top(std::vector<tsdb_stat> all, std::size_t n) {
  auto before = [](const tsdb_stat& a, const tsdb_stat& b) {
    return a.value != b.value ? a.value > b.value : a.name < b.name;
  };
  n = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), before);
  all.resize(n);
  return all;
}

void append_stats(std::string& out, std::string_view key, const std::vector<tsdb_stat>& stats) {
  out += ",\"";
  out += key;
  out += "\":[";
  for (std::size_t i = 0; i < stats.size(); ++i) {
    if (i) out += ',';
    out += R"({"name":)";
    append_json_string(out, stats[i].name);
    out += R"(,"value":)";
    out += std::to_string(stats[i].value);
    out += '}';
  }
  out += ']';
}

} // namespace

tsdb_status compute_tsdb_status(std::span<const labels> sets, std::size_t top_n) {
  // name -> value -> series count; views point into `sets`.
  std::unordered_map<std::string_view, value_counts> postings;
  for (const auto& ls : sets)
    for (const auto& l : ls) ++postings[l.name][l.value];

  tsdb_status out;
  out.num_series = sets.size();
  std::vector<tsdb_stat> metrics, values_per_name, bytes_per_name, pairs;
  for (const auto& [name, values] : postings) {
    out.num_label_pairs += values.size();
    values_per_name.push_back({std::string(name), values.size()});
    std::uint64_t bytes = 0;
    for (const auto& [value, count] : values) {
      bytes += value.size() * count;
      std::string pair = std::string(name) + "=" + std::string(value);
      pairs.push_back({std::move(pair), count});
      if (name == metric_name_label) metrics.push_back({std::string(value), count});
    }
    bytes_per_name.push_back({std::string(name), bytes});
  }
  out.series_count_by_metric_name = top(std::move(metrics), top_n);
  out.label_value_count_by_label_name = top(std::move(values_per_name), top_n);
  out.memory_in_bytes_by_label_name = top(std::move(bytes_per_name), top_n);
  out.series_count_by_label_value_pair = top(std::move(pairs), top_n);
  return out;
}

std::string render_tsdb_status(const tsdb_status& s) {
  std::string d = R"({"headStats":{"numSeries":)";
  d += std::to_string(s.num_series);
  d += R"(,"numLabelPairs":)";
  d += std::to_string(s.num_label_pairs);
  d += R"(,"chunkCount":)";
  d += std::to_string(s.chunk_count);
  d += R"(,"minTime":)";
  d += std::to_string(s.min_time);
  d += R"(,"maxTime":)";
  d += std::to_string(s.max_time);
  d += '}';
  append_stats(d, "seriesCountByMetricName", s.series_count_by_metric_name);
  append_stats(d, "labelValueCountByLabelName", s.label_value_count_by_label_name);
  append_stats(d, "memoryInBytesByLabelName", s.memory_in_bytes_by_label_name);
  append_stats(d, "seriesCountByLabelValuePair", s.series_count_by_label_value_pair);
  d += '}';
  return render_success_raw(d);
}

} // namespace vigil::api
