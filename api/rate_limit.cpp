#include "api/rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

namespace vigil::api {

namespace {

/// Buckets kept before idle full ones are dropped (a full bucket is what a
/// new one starts as, so dropping it changes nothing).
constexpr std::size_t prune_above = 10'000;

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

} // namespace

rate_limiter::rate_limiter(rate_limit_options o) : opts_(std::move(o)) {
  if (opts_.burst <= 0) opts_.burst = opts_.rate;
}

double rate_limiter::level(const bucket& b, double now_s) const {
  return std::min(opts_.burst, b.tokens + std::max(0.0, now_s - b.at) * opts_.rate);
}

std::optional<rate_limited> rate_limiter::admit(const write_batch& batch, double now_s) {
  if (!enabled()) return std::nullopt;
  std::map<std::string_view, std::uint64_t> want;
  for (const auto& s : batch.items) want[s.lbls.get(opts_.service_label)] += s.samples.size();
  std::lock_guard<std::mutex> g(mu_);
  for (const auto& [service, n] : want) {
    auto it = buckets_.find(service);
    const double have = it == buckets_.end() ? opts_.burst : level(it->second, now_s);
    if (static_cast<double>(n) <= have) continue;
    rate_limited r;
    r.service = std::string(service);
    r.samples = n;
    const bool never = static_cast<double>(n) > opts_.burst;
    r.retry_after_s = never ? std::numeric_limits<double>::infinity() : (static_cast<double>(n) - have) / opts_.rate;
    const std::string who = opts_.service_label + "=\"" + r.service + "\"";
    r.message = never ? "ingest rate limit: the write carries " + std::to_string(n) + " samples of " + who +
                          ", more than its burst of " + fmt(opts_.burst) + " samples (limit " + fmt(opts_.rate) +
                          " samples/s); nothing was stored: send smaller batches"
                      : "ingest rate limit: " + who + " is over " + fmt(opts_.rate) + " samples/s (burst " +
                          fmt(opts_.burst) + "); this write of " + std::to_string(n) +
                          " of its samples was not stored: retry after the Retry-After delay";
    return r;
  }
  for (const auto& [service, n] : want) {
    auto it = buckets_.find(service);
    if (it == buckets_.end()) it = buckets_.emplace(std::string(service), bucket{opts_.burst, now_s}).first;
    it->second.tokens = level(it->second, now_s) - static_cast<double>(n);
    it->second.at = now_s;
  }
  if (buckets_.size() > prune_above)
    std::erase_if(buckets_, [&](const auto& kv) { return level(kv.second, now_s) >= opts_.burst; });
  return std::nullopt;
}

std::size_t rate_limiter::services() const {
  std::lock_guard<std::mutex> g(mu_);
  return buckets_.size();
}

} // namespace vigil::api
