// alert/outbox.hpp - the notifier's persistent state in one LMDB environment
// (<data_dir>/notify/), replacing the design document's Kafka topic and its
// `alerts.notified` column:
//   entries   be64 id -> outbox_entry  every notification not yet delivered
//   groups    group key -> group_record the dispatcher's per-group sent state
//   silences  id -> silence
//   notified  channel \x1f fingerprint -> notified_flag (last delivered state)
// Encodings: alert/outbox_codec.hpp (each value starts with a version byte).
//
// Protocol (at-least-once): the notifier writes a notification's entries and
// its group's new sent-state in ONE transaction before handing anything to a
// channel; a success deletes the entry and sets the alerts' notified flags in
// one transaction. A crash before the first commit loses nothing (the group
// was not recorded as sent, so it is flushed again); a crash between a
// delivery and its record re-sends that one notification after restart.
//
// Pure and synchronous: no actors, no threads, time is an argument. Every
// call runs its own transaction. One owner (the notifier actor); never open
// one directory twice in a process.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alert/outbox_codec.hpp"
#include "store/lmdb.hpp"

namespace vigil::alert {

class outbox {
public:
  /// Opens (creating) the environment in `dir`. Commits are fsynced.
  static result<outbox> open(const std::string& dir, std::uint64_t map_size = std::uint64_t{1} << 30);

  outbox(outbox&&) noexcept = default;
  outbox& operator=(outbox&&) noexcept = default;

  /// Every pending entry, in id order (what a restart must resend).
  result<std::vector<outbox_entry>> pending() const;

  /// Stores `entries` (assigning their ids) and applies `groups` (a record
  /// without sent_firing is deleted) in one transaction.
  status enqueue(std::vector<outbox_entry>& entries, const std::vector<group_record>& groups);

  /// Rewrites an entry after a failed attempt (attempts, next_attempt, flags).
  status update(const outbox_entry& e);

  /// Delivery succeeded: deletes the entry and sets the notified flag of each
  /// of its alerts for its channel, in one transaction.
  status delivered(const outbox_entry& e, timestamp_ms now);
  /// The same for several entries, in one transaction.
  status delivered(const std::vector<outbox_entry>& es, timestamp_ms now);

  /// Gives up on an entry (permanent error or max attempts).
  status drop(std::uint64_t id);

  /// The last delivered state of an alert on a channel, if any.
  result<std::optional<notified_flag>> notified(const std::string& channel, const labels& alert) const;

  /// Every persisted group sent-state.
  result<std::vector<group_record>> groups() const;

  status put_silence(const silence& s);
  result<std::vector<silence>> silences() const;

private:
  outbox() = default;
  status put_entry(store::lmdb::txn& t, const outbox_entry& e);

  store::lmdb::env env_;
  MDB_dbi entries_ = 0, groups_ = 0, silences_ = 0, notified_ = 0;
  std::uint64_t next_id_ = 1;
};

} // namespace vigil::alert
