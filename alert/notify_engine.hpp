// alert/notify_engine.hpp - the notifier's whole logic, without actors:
// keeps every rule's current alerts, runs the dispatcher (routing, grouping,
// silences, inhibition), writes due notifications to the persistent outbox
// before they are sent, schedules retries with backoff and jitter, sends a
// copy to a channel's fallback after `retry.fallback_after` failed attempts,
// and records deliveries. The notifier actor only adds timers and messages.
//
// Pure and synchronous (its outbox does LMDB I/O): time and delivery results
// are arguments. One owner.
#pragma once

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "alert/dispatcher.hpp"
#include "alert/notify_config.hpp"
#include "alert/outbox.hpp"
#include "alert/sinks.hpp"

namespace vigil::alert {

struct notify_stats {
  std::uint64_t enqueued = 0;   ///< outbox entries written
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;     ///< failed attempts (each retry counts)
  std::uint64_t dropped = 0;    ///< given up (permanent error or max attempts)
  std::uint64_t fallbacks = 0;  ///< copies sent to a fallback channel
  std::uint64_t store_errors = 0; ///< outbox writes that failed (logged by the caller)
};

class notify_engine {
public:
  /// Opens the outbox in `dir` and resumes: pending entries become due at
  /// their next_attempt, persisted group states and silences are restored.
  static result<notify_engine> open(notify_config cfg, const std::string& dir, std::uint64_t seed);
  notify_engine(notify_engine&&) = default;
  notify_engine& operator=(notify_engine&&) = default;
  ~notify_engine() { flush_delivered(); } ///< records what was delivered since the last tick

  /// Replaces the alerts of one rule (`rule_key` = group + "/" + name).
  void on_snapshot(const std::string& rule_key, std::vector<notified_alert> alerts, timestamp_ms now);

  /// Flushes due groups into the outbox, then returns the entries whose
  /// attempt is due (marked in flight until on_result). The caller sends
  /// each to its channel and reports back.
  std::vector<outbox_entry> tick(timestamp_ms now);

  /// Records the outcome of delivering entry `id`. Successful deliveries
  /// are recorded in the outbox in batches: at the next tick(), at most
  /// `delivered_batch_ms` later (next_wake() includes it), or when
  /// `delivered_batch_max` are waiting. A crash before that re-sends them
  /// (at-least-once, as a crash between a send and its record always could).
  void on_result(std::uint64_t id, const delivery_result& r, timestamp_ms now);

  /// Writes the waiting delivery records in one transaction.
  void flush_delivered();

  /// When tick() next has work (INT64_MAX: none).
  timestamp_ms next_wake() const;

  static constexpr timestamp_ms delivered_batch_ms = 5;
  static constexpr std::size_t delivered_batch_max = 256;

  /// Adds or replaces (same id) a silence; assigns an id when empty.
  /// invalid_argument when it has no matchers or ends before it starts.
  result<std::string> add_silence(silence s, timestamp_ms now);
  /// Ends a silence now. not_found for an unknown id.
  status expire_silence(const std::string& id, timestamp_ms now);
  const std::vector<silence>& silences() const noexcept { return silences_; }

  const notify_config& config() const noexcept { return cfg_; }
  const notify_stats& stats() const noexcept { return stats_; }
  std::size_t pending() const noexcept { return entries_.size(); }
  /// The last outbox error (empty when none), for the caller to log.
  std::string take_error();
  const outbox& store() const noexcept { return outbox_; }

private:
  notify_engine(notify_config cfg, outbox o, std::uint64_t seed);
  void refresh(timestamp_ms now);
  void enqueue(std::vector<outbox_entry> entries, const std::vector<group_record>& groups);
  void on_failure(outbox_entry& e, const delivery_result& r, timestamp_ms now);
  void send_to_fallback(outbox_entry& e, timestamp_ms now);
  void note(const status& st);

  notify_config cfg_;
  outbox outbox_;
  dispatcher dispatcher_;
  std::vector<silence> silences_;
  std::map<std::uint64_t, outbox_entry> entries_;
  std::set<std::uint64_t> in_flight_;
  /// Entries waiting for their next attempt, by time (ids of entries that
  /// were delivered or dropped meanwhile are skipped lazily).
  std::set<std::pair<timestamp_ms, std::uint64_t>> waiting_;
  std::vector<outbox_entry> delivered_;   ///< delivered, not yet recorded
  timestamp_ms delivered_since_ = 0;      ///< when the first of them was delivered
  std::mt19937_64 rng_;
  notify_stats stats_;
  std::string error_;
};

} // namespace vigil::alert
