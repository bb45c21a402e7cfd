// actors/inline_queries.hpp - cheap instant queries answered on the thread
// that parsed them (an HTTP io thread), without a message.
//
// Why: a query sent to the query service crosses threads four times (io
// thread -> bridge -> query actor -> io thread), and on a node that idles
// between queries each crossing wakes a sleeping thread: measured on the
// benchmark's 2-vCPU machine, the query `1` took 0.14-0.20 ms longer than
// the HTTP-only buildinfo request, while VictoriaMetrics' and Prometheus',
// which evaluate on the request's own thread, took 0.02 ms longer. For an
// instant query of a few dozen series that is a third to half of its time.
//
// How: the query service publishes its shard table here (at start and on
// every change) and whether its admission is saturated. try_run() prepares
// the query, reads every shard through its direct read (shard_table::local,
// the same read a shard's reader actor runs) one after another, and
// evaluates, as long as the reads so far project to at most four times
// query_settings::inline_reads for all shards (the query service spreads
// reads past 1x; here giving up would throw the reads done away). It gives up (the caller then
// sends the query to the query service, which answers as always) when the
// query is a range query, a shard is not in this process or not open, a
// read fails (the service names the shard in its error), the service is
// saturated (so queued queries keep their order and the concurrency limit
// holds for everything but these sub-millisecond reads), or the reads turn
// out dearer than the budget; a query given up for cost is remembered (in a
// small table of recent ones) and not tried here again for a while.
//
// Thread-safety: every member function may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "actors/clock.hpp"
#include "actors/interfaces.hpp"
#include "core/status.hpp"
#include "messages/shard_read.hpp"
#include "query/engine.hpp"

namespace vigil {

struct query_settings;

/// Selection i's series from every shard's answer, in shard order (so sums
/// do not depend on which shard answered first).
std::vector<std::vector<series>> gather_parts(std::vector<messages::read_answer>& answers, std::size_t n);

/// The error of a query whose shards returned more than eval.max_samples.
status too_many_samples();

class inline_queries {
public:
  /// `retry_after`: how long a query given up for cost goes straight to the
  /// service before it is tried here again (its data may have shrunk, or
  /// the machine was busy that time).
  explicit inline_queries(std::chrono::milliseconds retry_after = std::chrono::seconds(10))
    : retry_after_(retry_after) {}

  /// From the query service: where the shards are and how to evaluate.
  void publish(const shard_table& table, const query_settings& settings);
  /// From the query service: true while queries wait for a slot (or every
  /// slot is taken).
  void set_saturated(bool on) noexcept { saturated_.store(on, std::memory_order_relaxed); }

  /// The answer (or the query's own error: bad PromQL, too many samples,
  /// timeout in evaluation) when the query was run here; nullopt when it
  /// was not (see above) and must go to the query service.
  std::optional<result<messages::query_answer>> try_run(const messages::query_request& req);

  /// Queries answered here so far (for /metrics).
  std::uint64_t answered() const noexcept { return answered_.load(std::memory_order_relaxed); }

private:
  struct published {
    shard_table table;
    query::eval_options eval;
    std::chrono::microseconds budget{0};
    unix_clock_fn now_unix_ms;
    std::chrono::milliseconds timeout{0}; ///< when the request names none
  };
  /// try_run() on `p`; sets `too_dear` when it gave up for cost.
  std::optional<result<messages::query_answer>> run(const published& p, const messages::query_request& req,
                                                    bool& too_dear);

  mutable std::mutex mu_;
  std::shared_ptr<const published> current_; ///< guarded by mu_
  std::atomic<bool> saturated_{false};
  std::atomic<std::uint64_t> answered_{0};
  /// Queries recently given up for cost (slot = hash % size): the hash of
  /// the PromQL text and until when (steady clock, ns) it is not tried here.
  struct dear {
    std::atomic<std::uint64_t> hash{0};
    std::atomic<std::int64_t> until_ns{0};
  };
  std::array<dear, 64> too_dear_{};
  std::chrono::milliseconds retry_after_;
};

} // namespace vigil
