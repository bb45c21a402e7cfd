#include "query/results_cache.hpp"

#include <algorithm>
#include <limits>

#include "query/parser.hpp"
#include "query/printer.hpp"

namespace vigil::query {
namespace {

constexpr std::size_t max_log = 4096;
constexpr timestamp_ms no_limit = std::numeric_limits<timestamp_ms>::max();

/// Whether a step's value may depend on data after the step or on the
/// query's own start/end.
bool time_shifted(const expr& e) {
  if (const auto* vs = e.as<vector_selector>()) return vs->at.is_set() || vs->offset < 0;
  if (const auto* ms = e.as<matrix_selector>()) return ms->sel.at.is_set() || ms->sel.offset < 0;
  if (const auto* sq = e.as<subquery_expr>()) return sq->at.is_set() || sq->offset < 0 || time_shifted(*sq->inner);
  if (const auto* c = e.as<call_expr>())
    return std::any_of(c->args.begin(), c->args.end(), [](const expr_ptr& a) { return time_shifted(*a); });
  if (const auto* a = e.as<aggregate_expr>()) return time_shifted(*a->inner) || (a->param && time_shifted(*a->param));
  if (const auto* b = e.as<binary_expr>()) return time_shifted(*b->lhs) || time_shifted(*b->rhs);
  if (const auto* u = e.as<unary_expr>()) return time_shifted(*u->inner);
  if (const auto* p = e.as<paren_expr>()) return time_shifted(*p->inner);
  return false;
}

timestamp_ms phase_of(timestamp_ms t, timestamp_ms step) { return ((t % step) + step) % step; }

/// Largest step time (start + k * step) that is < cut; start - step if none.
timestamp_ms last_step_before(timestamp_ms start, timestamp_ms step, timestamp_ms cut) {
  if (cut <= start) return start - step;
  return start + (cut - 1 - start) / step * step;
}

std::vector<series> slice(const std::vector<series>& items, timestamp_ms lo, timestamp_ms hi) {
  std::vector<series> out;
  for (const auto& s : items) {
    auto b = std::lower_bound(s.samples.begin(), s.samples.end(), lo,
                              [](const sample& x, timestamp_ms t) { return x.t < t; });
    auto e = std::upper_bound(b, s.samples.end(), hi, [](timestamp_ms t, const sample& x) { return t < x.t; });
    if (b != e) out.push_back(series{s.lbls, std::vector<sample>(b, e)});
  }
  return out;
}

std::size_t bytes_of(const std::vector<series>& items) {
  std::size_t n = 0;
  for (const auto& s : items) {
    n += sizeof(series) + s.samples.size() * sizeof(sample);
    for (const auto& l : s.lbls) n += 2 * sizeof(std::string) + l.name.size() + l.value.size();
  }
  return n;
}

} // namespace

std::optional<std::string> cache_key(std::string_view promql, const query_params& p, const eval_options& o) {
  if (p.step <= 0) return std::nullopt;
  auto root = parse(promql);
  if (!root || time_shifted(**root)) return std::nullopt;
  return print(**root) + '\x1f' + std::to_string(p.step) + '\x1f' + std::to_string(phase_of(p.start, p.step)) +
         '\x1f' + std::to_string(o.lookback_delta) + '\x1f' + std::to_string(o.default_subquery_step);
}

results_cache::plan_t results_cache::plan(const std::string& key, const query_params& p) {
  plan_t out;
  out.generation = generation_;
  timestamp_ms cursor = p.start;
  auto gap_to = [&](timestamp_ms end) {
    if (cursor <= end) out.pieces.push_back(piece{cursor, end, nullptr});
  };
  if (auto it = entries_.find(key); it != entries_.end()) {
    for (auto& [start, s] : it->second) {
      if (s.end < cursor) continue;
      if (start > p.end) break;
      gap_to(std::min(start - p.step, p.end));
      timestamp_ms lo = std::max(cursor, start), hi = std::min(s.end, p.end);
      s.used = ++tick_;
      series_list items = lo == start && hi == s.end ? s.items
                                                     : std::make_shared<const std::vector<series>>(slice(*s.items, lo, hi));
      out.pieces.push_back(piece{lo, hi, std::move(items)});
      cursor = hi + p.step;
    }
  }
  gap_to(p.end);
  return out;
}

void results_cache::store(const std::string& key, const query_params& p, const std::vector<series>& items,
                          timestamp_ms now, std::uint64_t generation) {
  if (!enabled() || p.step <= 0) return;
  timestamp_ms cut = std::min(now - opts_.freshness, invalidated_since(generation));
  timestamp_ms hi = std::min(p.end, last_step_before(p.start, p.step, cut));
  if (hi < p.start) return;
  auto kept = slice(items, p.start, hi);
  span s{p.start, hi, p.step, nullptr, bytes_of(kept), ++tick_};
  s.items = std::make_shared<const std::vector<series>>(std::move(kept));
  insert(key, std::move(s));
  evict();
}

void results_cache::insert(const std::string& key, span s) {
  const timestamp_ms step = s.step;
  auto& spans = entries_[key];
  // Drop what the new span covers; join neighbours that touch it.
  for (auto it = spans.begin(); it != spans.end();) {
    auto& old = it->second;
    bool overlaps = old.start <= s.end && old.end >= s.start;
    bool touches = old.end + step == s.start || s.end + step == old.start;
    if (!overlaps && !touches) {
      ++it;
      continue;
    }
    if (touches && !overlaps) {
      auto joined = assemble(plan_t{{piece{std::min(old.start, s.start), 0, old.start < s.start ? old.items : s.items},
                                     piece{0, 0, old.start < s.start ? s.items : old.items}}, 0},
                             {});
      s.start = std::min(old.start, s.start);
      s.end = std::max(old.end, s.end);
      s.bytes = bytes_of(joined);
      s.items = std::make_shared<const std::vector<series>>(std::move(joined));
    }
    bytes_ -= old.bytes;
    it = spans.erase(it);
  }
  bytes_ += s.bytes;
  spans.emplace(s.start, std::move(s));
}

void results_cache::evict() {
  while (bytes_ > opts_.max_bytes && !entries_.empty()) {
    auto victim_key = entries_.end();
    span_map::iterator victim;
    for (auto k = entries_.begin(); k != entries_.end(); ++k)
      for (auto it = k->second.begin(); it != k->second.end(); ++it)
        if (victim_key == entries_.end() || it->second.used < victim->second.used) {
          victim_key = k;
          victim = it;
        }
    if (victim_key == entries_.end()) break;
    bytes_ -= victim->second.bytes;
    victim_key->second.erase(victim);
    if (victim_key->second.empty()) entries_.erase(victim_key);
  }
}

void results_cache::invalidate(timestamp_ms t) {
  log_.emplace_back(++generation_, t);
  if (log_.size() > max_log) log_.pop_front();
  for (auto k = entries_.begin(); k != entries_.end();) {
    auto& spans = k->second;
    for (auto it = spans.begin(); it != spans.end();) {
      auto& s = it->second;
      if (s.end < t) {
        ++it;
        continue;
      }
      bytes_ -= s.bytes;
      if (s.start >= t) {
        it = spans.erase(it);
        continue;
      }
      auto kept = slice(*s.items, s.start, t - 1);
      s.end = last_step_before(s.start, s.step, t);
      s.bytes = bytes_of(kept);
      s.items = std::make_shared<const std::vector<series>>(std::move(kept));
      bytes_ += s.bytes;
      ++it;
    }
    k = spans.empty() ? entries_.erase(k) : std::next(k);
  }
}

timestamp_ms results_cache::invalidated_since(std::uint64_t generation) const {
  if (generation == generation_) return no_limit;
  if (log_.empty() || log_.front().first > generation + 1) return std::numeric_limits<timestamp_ms>::min();
  timestamp_ms out = no_limit;
  for (const auto& [g, t] : log_)
    if (g > generation) out = std::min(out, t);
  return out;
}

std::vector<series> results_cache::assemble(const plan_t& plan, std::vector<std::vector<series>> computed) {
  std::map<labels, std::vector<sample>> merged;
  std::size_t gap = 0;
  for (const auto& pc : plan.pieces) {
    const std::vector<series>* src = pc.items ? pc.items.get() : (gap < computed.size() ? &computed[gap++] : nullptr);
    if (!src) continue;
    for (const auto& s : *src) {
      auto& dst = merged[s.lbls];
      dst.insert(dst.end(), s.samples.begin(), s.samples.end());
    }
  }
  std::vector<series> out;
  out.reserve(merged.size());
  for (auto& [l, smp] : merged) out.push_back(series{l, std::move(smp)});
  return out;
}

std::size_t results_cache::spans() const noexcept {
  std::size_t n = 0;
  for (const auto& [k, m] : entries_) n += m.size();
  return n;
}

} // namespace vigil::query
