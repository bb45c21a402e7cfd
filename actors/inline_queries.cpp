#include "actors/inline_queries.hpp"

#include <functional>
#include <iterator>
#include <string_view>
#include <utility>

#include "actors/query_actor.hpp"

namespace vigil {

std::vector<std::vector<series>> gather_parts(std::vector<messages::read_answer>& answers, std::size_t n) {
  std::vector<std::vector<series>> fetched(n);
  for (auto& a : answers)
    for (std::size_t i = 0; i < a.parts.size() && i < n; ++i) {
      auto& dst = fetched[i];
      if (dst.empty()) dst = std::move(a.parts[i]);
      else std::move(a.parts[i].begin(), a.parts[i].end(), std::back_inserter(dst));
    }
  return fetched;
}

status too_many_samples() {
  return resource_exhausted("query processing would load too many samples into memory in query execution");
}

void inline_queries::publish(const shard_table& table, const query_settings& settings) {
  auto p = std::make_shared<published>();
  p->table = table;
  p->eval = settings.eval;
  p->budget = settings.inline_reads;
  p->now_unix_ms = settings.now_unix_ms;
  p->timeout = settings.timeout;
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(p);
}

std::optional<result<messages::query_answer>> inline_queries::try_run(const messages::query_request& req) {
  if (req.start != req.end || saturated_.load(std::memory_order_relaxed)) return std::nullopt;
  std::shared_ptr<const published> p;
  {
    std::lock_guard<std::mutex> lock(mu_);
    p = current_;
  }
  if (!p || p->table.shards.empty()) return std::nullopt;
  for (std::size_t j = 0; j < p->table.shards.size(); ++j)
    if (!p->table.local_read(j)) return std::nullopt;
  const auto h = std::hash<std::string_view>{}(req.promql) | 1; // never 0 (an empty slot)
  auto& slot = too_dear_[h % too_dear_.size()];
  const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now().time_since_epoch()).count();
  if (slot.hash.load(std::memory_order_relaxed) == h && now_ns < slot.until_ns.load(std::memory_order_relaxed))
    return std::nullopt;
  try {
    bool too_dear = false;
    auto r = run(*p, req, too_dear);
    if (r) answered_.fetch_add(1, std::memory_order_relaxed);
    if (too_dear) {
      slot.until_ns.store(now_ns + std::chrono::nanoseconds(retry_after_).count(), std::memory_order_relaxed);
      slot.hash.store(h, std::memory_order_relaxed);
    }
    return r;
  } catch (const std::exception&) {
    return std::nullopt; // the query service reports it
  }
}

namespace {
/// The io thread's read budget, in multiples of query_settings::inline_reads.
constexpr int inline_http_factor = 4;

double seconds_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}
} // namespace

std::optional<result<messages::query_answer>> inline_queries::run(const published& p,
                                                                  const messages::query_request& req,
                                                                  bool& too_dear) {
  using result_t = result<messages::query_answer>;
  const auto started = std::chrono::steady_clock::now();
  auto pq = query::prepare(req.promql, {req.start, req.end, req.step}, p.eval);
  if (!pq) return result_t{pq.error()};
  const auto budget = req.timeout_ms > 0 ? req.timeout_ms : std::int64_t{p.timeout.count()};
  const auto deadline = p.now_unix_ms() + budget;
  const auto n = pq->selections().size();
  const auto& shards = p.table.shards;
  std::vector<messages::read_answer> answers(n == 0 ? 0 : shards.size());
  std::uint64_t samples = 0;
  if (n > 0) {
    auto rr = messages::make_read_request(pq->selections(), pq->params(), pq->options());
    if (!rr) return result_t{rr.error()};
    rr->deadline_unix_ms = deadline;
    const auto reads_from = std::chrono::steady_clock::now();
    for (std::size_t j = 0; j < shards.size(); ++j) {
      auto r = (*p.table.local_read(j))(*rr);
      if (!r || !*r || (*r)->wire_error || (*r)->parts.size() != n) return std::nullopt;
      for (const auto& part : (*r)->parts)
        for (const auto& x : part) samples += x.samples.size();
      if (samples > p.eval.max_samples) return result_t{too_many_samples()};
      answers[j] = std::move(**r);
      const auto spent = std::chrono::steady_clock::now() - reads_from;
      // Projected from two shards or more (a node's first read after a pause
      // is its slowest: cold caches); a zero budget gives up after one.
      // Here the budget is several times the query service's own inline
      // one: giving up throws the reads done away and sends the query on a
      // trip across threads, while finishing costs the io thread only a
      // few milliseconds more.
      if ((j >= 1 || p.budget.count() == 0) && j + 1 < shards.size() &&
          spent * shards.size() > p.budget * inline_http_factor * (j + 1)) {
        too_dear = true;
        return std::nullopt;
      }
    }
  }
  const auto fetched_at = std::chrono::steady_clock::now();
  auto clock = p.now_unix_ms;
  auto v = query::execute(*pq, gather_parts(answers, n), [&] { return clock() >= deadline; });
  if (!v) return result_t{v.error()};
  messages::query_answer a;
  a.value = std::move(*v);
  if (req.want_stats) {
    const auto now = std::chrono::steady_clock::now();
    a.stats.fetch_seconds = seconds_between(started, fetched_at);
    a.stats.eval_seconds = seconds_between(fetched_at, now);
    a.stats.exec_total_seconds = seconds_between(started, now);
    a.stats.total_queryable_samples = samples;
    a.stats.peak_samples = samples;
  }
  return result_t{std::move(a)};
}

} // namespace vigil
