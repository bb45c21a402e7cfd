#include "alert/notify_engine.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace vigil::alert {

namespace {

/// Drops resolved alerts for a channel that does not want them; false when
/// nothing is left to send.
bool filter_for(const channel_config& ch, notification& n) {
  if (!ch.send_resolved) std::erase_if(n.alerts, [](const notified_alert& a) { return !a.firing; });
  return !n.alerts.empty();
}

/// Entries whose writes failed still get delivered from memory, under ids
/// that no persisted entry uses.
constexpr std::uint64_t memory_only_ids = std::uint64_t{1} << 62;

} // namespace

result<notify_engine> notify_engine::open(notify_config cfg, const std::string& dir, std::uint64_t seed) {
  auto o = outbox::open(dir);
  if (!o) return o.error();
  auto pending = o->pending();
  if (!pending) return pending.error();
  auto groups = o->groups();
  if (!groups) return groups.error();
  auto sil = o->silences();
  if (!sil) return sil.error();
  notify_engine e(std::move(cfg), std::move(*o), seed);
  for (auto& p : *pending) {
    e.waiting_.emplace(p.next_attempt, p.id);
    e.entries_.emplace(p.id, std::move(p));
  }
  e.dispatcher_.restore(std::move(*groups));
  e.silences_ = std::move(*sil);
  return e;
}

notify_engine::notify_engine(notify_config cfg, outbox o, std::uint64_t seed)
  : cfg_(std::move(cfg)), outbox_(std::move(o)), dispatcher_(cfg_.root, cfg_.inhibit), rng_(seed) {}

void notify_engine::note(const status& st) {
  if (st) return;
  ++stats_.store_errors;
  error_ = st.to_string();
}

std::string notify_engine::take_error() { return std::exchange(error_, {}); }

void notify_engine::refresh(timestamp_ms now) { dispatcher_.refresh(now, silences_); }

void notify_engine::on_snapshot(const std::string& rule_key, std::vector<notified_alert> alerts, timestamp_ms now) {
  dispatcher_.update_rule(now, rule_key, std::move(alerts), silences_);
}

void notify_engine::enqueue(std::vector<outbox_entry> entries, const std::vector<group_record>& groups) {
  if (entries.empty() && groups.empty()) return;
  auto st = outbox_.enqueue(entries, groups);
  note(st);
  static std::uint64_t memory_id = memory_only_ids;
  for (auto& e : entries) {
    if (!st) e.id = ++memory_id;
    ++stats_.enqueued;
    waiting_.emplace(e.next_attempt, e.id);
    entries_.emplace(e.id, std::move(e));
  }
}

void notify_engine::flush_delivered() {
  if (delivered_.empty()) return;
  note(outbox_.delivered(delivered_, delivered_since_));
  delivered_.clear();
}

std::vector<outbox_entry> notify_engine::tick(timestamp_ms now) {
  flush_delivered();
  std::vector<outbox_entry> fresh;
  std::vector<group_record> groups;
  for (auto& n : dispatcher_.due(now)) {
    groups.push_back(dispatcher_.sent_state(n.group_key));
    auto ch = cfg_.channels.find(n.receiver);
    if (ch == cfg_.channels.end() || !filter_for(ch->second, n)) continue;
    outbox_entry e;
    e.channel = n.receiver;
    e.n = std::move(n);
    e.next_attempt = e.created = now;
    fresh.push_back(std::move(e));
  }
  enqueue(std::move(fresh), groups);
  std::vector<outbox_entry> ready;
  while (!waiting_.empty() && waiting_.begin()->first <= now) {
    const auto id = waiting_.begin()->second;
    waiting_.erase(waiting_.begin());
    auto it = entries_.find(id);
    if (it != entries_.end() && in_flight_.insert(id).second) ready.push_back(it->second);
  }
  return ready;
}

void notify_engine::on_result(std::uint64_t id, const delivery_result& r, timestamp_ms now) {
  in_flight_.erase(id);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  if (r.outcome == delivery_outcome::ok) {
    ++stats_.delivered;
    if (delivered_.empty()) delivered_since_ = now;
    delivered_.push_back(std::move(it->second));
    entries_.erase(it);
    if (delivered_.size() >= delivered_batch_max) flush_delivered();
    return;
  }
  on_failure(it->second, r, now);
}

void notify_engine::on_failure(outbox_entry& e, const delivery_result& r, timestamp_ms now) {
  ++stats_.failed;
  ++e.attempts;
  const auto& p = cfg_.retry;
  bool give_up = r.outcome == delivery_outcome::permanent || (p.max_attempts > 0 && e.attempts >= p.max_attempts);
  if (give_up || e.attempts >= p.fallback_after) send_to_fallback(e, now);
  if (give_up) {
    std::fprintf(stderr, "vigil: notification to %s dropped after %u attempts: %s\n", e.channel.c_str(),
                 e.attempts, r.message.c_str());
    ++stats_.dropped;
    const std::uint64_t id = e.id;
    note(outbox_.drop(id));
    entries_.erase(id); // `e` dies here
    return;
  }
  e.next_attempt = now + retry_delay(p, e.attempts, std::uniform_real_distribution<double>(0, 1)(rng_));
  waiting_.emplace(e.next_attempt, e.id);
  note(outbox_.update(e));
}

void notify_engine::send_to_fallback(outbox_entry& e, timestamp_ms now) {
  if (e.fallback_sent) return;
  auto ch = cfg_.channels.find(e.channel);
  if (ch == cfg_.channels.end() || ch->second.fallback.empty()) return;
  auto fb = cfg_.channels.find(ch->second.fallback);
  outbox_entry copy;
  copy.channel = fb->first;
  copy.n = e.n;
  copy.next_attempt = copy.created = now;
  copy.fallback_sent = true; // a fallback does not cascade further
  e.fallback_sent = true;
  ++stats_.fallbacks;
  if (filter_for(fb->second, copy.n)) enqueue({std::move(copy)}, {});
}

timestamp_ms notify_engine::next_wake() const {
  timestamp_ms t = dispatcher_.next_due();
  if (!waiting_.empty()) t = std::min(t, waiting_.begin()->first);
  if (!delivered_.empty()) t = std::min(t, delivered_since_ + delivered_batch_ms);
  return t;
}

result<std::string> notify_engine::add_silence(silence s, timestamp_ms now) {
  if (s.match.empty()) return invalid_argument("a silence needs at least one matcher");
  if (s.ends_at <= s.starts_at) return invalid_argument("endsAt must be after startsAt");
  if (s.ends_at <= now) return invalid_argument("endsAt is in the past");
  if (s.id.empty()) {
    char buf[40];
    auto a = rng_(), b = rng_();
    std::snprintf(buf, sizeof(buf), "%08llx-%04llx-4%03llx-%04llx-%012llx", (unsigned long long)(a >> 32),
                  (unsigned long long)((a >> 16) & 0xffff), (unsigned long long)(a & 0xfff),
                  (unsigned long long)(0x8000 | ((b >> 48) & 0x3fff)), (unsigned long long)(b & 0xffffffffffffULL));
    s.id = buf;
  }
  auto st = outbox_.put_silence(s);
  if (!st) return st;
  auto it = std::find_if(silences_.begin(), silences_.end(), [&](const silence& x) { return x.id == s.id; });
  if (it != silences_.end()) *it = s;
  else silences_.push_back(s);
  refresh(now);
  return s.id;
}

status notify_engine::expire_silence(const std::string& id, timestamp_ms now) {
  auto it = std::find_if(silences_.begin(), silences_.end(), [&](const silence& x) { return x.id == id; });
  if (it == silences_.end()) return not_found("no silence with id " + id);
  auto s = *it;
  s.ends_at = std::min(s.ends_at, now);
  s.starts_at = std::min(s.starts_at, s.ends_at);
  VIGIL_TRY(outbox_.put_silence(s));
  *it = std::move(s);
  refresh(now);
  return status::ok();
}

} // namespace vigil::alert
