#include "store/unflushed.hpp"

#include <algorithm>
#include <limits>

namespace vigil::store {

namespace {

template <class It>
It first_at_or_after(It b, It e, timestamp_ms t) {
  return std::lower_bound(b, e, t, [](const auto& x, timestamp_ms u) { return x.t < u; });
}

/// Refs pruned per hold of the mutex: a checkpoint covers every series of
/// the shard, and readers wait for the lock meanwhile.
constexpr std::size_t prune_slice = 2048;

} // namespace

void unflushed_samples::begin_commit(std::uint64_t txn) {
  std::lock_guard<std::mutex> l(mu_);
  announced_ = txn;
}

void unflushed_samples::end_commit() {
  {
    std::lock_guard<std::mutex> l(mu_);
    announced_ = 0;
  }
  published_.notify_all();
}

std::vector<unflushed_samples::entry>& unflushed_samples::map::operator[](series_ref ref) {
  if ((used_ + 1) * 2 > slots_.size()) grow(slots_.empty() ? 1024 : slots_.size() * 2);
  for (std::size_t i = index(ref);; i = (i + 1) & mask_) {
    slot& s = slots_[i];
    if (s.key == ref + 1) return s.v;
    if (s.key == 0) {
      s.key = ref + 1;
      ++used_;
      return s.v;
    }
  }
}

std::vector<unflushed_samples::entry>* unflushed_samples::map::find(series_ref ref) noexcept {
  if (slots_.empty()) return nullptr;
  for (std::size_t i = index(ref);; i = (i + 1) & mask_) {
    slot& s = slots_[i];
    if (s.key == ref + 1) return &s.v;
    if (s.key == 0) return nullptr;
  }
}

const std::vector<unflushed_samples::entry>* unflushed_samples::map::find(series_ref ref) const noexcept {
  return const_cast<map*>(this)->find(ref);
}

void unflushed_samples::map::grow(std::size_t size) {
  std::vector<slot> old = std::exchange(slots_, std::vector<slot>(size));
  mask_ = slots_.size() - 1;
  used_ = 0;
  for (slot& o : old) {
    if (o.key == 0) continue;
    ++used_;
    for (std::size_t i = index(o.key - 1);; i = (i + 1) & mask_)
      if (slots_[i].key == 0) {
        slots_[i] = std::move(o);
        break;
      }
  }
}

void unflushed_samples::map::rebuild() {
  std::size_t live = 0;
  for (slot& s : slots_) {
    if (s.key != 0 && s.v.empty()) s = slot{};
    else if (s.key != 0) ++live;
  }
  std::size_t size = 1024;
  while (size < live * 2 + 2) size *= 2;
  grow(size); // rehashes the live keys (probe chains changed with the removals)
}

void unflushed_samples::publish(std::uint64_t txn, std::span<const logged_sample> samples) {
  {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<entry>* cur = nullptr;
    series_ref cur_ref = 0;
    // A batch's series are scattered in memory: their slots are fetched a
    // few samples ahead so that the misses overlap.
    constexpr std::size_t ahead = 16;
    for (std::size_t i = 0; i < ahead && i < samples.size(); ++i) map_.prefetch(samples[i].ref);
    for (std::size_t i = 0; i < samples.size(); ++i) {
      if (i + ahead < samples.size()) map_.prefetch(samples[i + ahead].ref);
      const logged_sample& x = samples[i];
      if (cur == nullptr || x.ref != cur_ref) {
        cur = &map_[x.ref];
        cur_ref = x.ref;
        if (cur->empty()) {
          ++nonempty_;
          if (cur->capacity() == 0) cur->reserve(8); // a checkpoint interval's worth, typically
        }
      }
      if (cur->empty() || x.t > cur->back().t) {
        cur->push_back({x.t, x.v, txn});
        continue;
      }
      // Not after the series' newest here (a series the head reloaded after
      // its records moved): kept sorted, the newer value winning.
      auto at = first_at_or_after(cur->begin(), cur->end(), x.t);
      if (at != cur->end() && at->t == x.t) {
        *at = {x.t, x.v, txn};
        total_.fetch_sub(1, std::memory_order_relaxed); // counted again below
      } else {
        cur->insert(at, {x.t, x.v, txn});
      }
    }
    total_.fetch_add(samples.size(), std::memory_order_relaxed);
    last_committed_ = std::max(last_committed_, txn);
    announced_ = 0;
  }
  published_.notify_all();
}

void unflushed_samples::committed(std::uint64_t txn) {
  std::lock_guard<std::mutex> l(mu_);
  last_committed_ = std::max(last_committed_, txn);
}

void unflushed_samples::covered(std::uint64_t txn, std::vector<series_ref> refs) {
  if (refs.empty()) return;
  std::lock_guard<std::mutex> l(mu_);
  pending_.push_back({txn, std::move(refs), 0});
}

std::size_t unflushed_samples::pending() const {
  std::lock_guard<std::mutex> l(mu_);
  std::size_t n = 0;
  for (const auto& c : pending_) n += c.refs.size() - c.done;
  return n;
}

std::uint64_t unflushed_samples::min_floor() const noexcept {
  std::uint64_t m = std::numeric_limits<std::uint64_t>::max();
  for (const auto& [floor, readers] : pins_) m = std::min(m, floor);
  return m;
}

void unflushed_samples::prune() {
  for (;;) {
    std::unique_lock<std::mutex> l(mu_);
    if (pending_.empty()) return;
    coverage& c = pending_.front();
    if (c.txn > min_floor()) return; // a pinned reader's snapshot may predate those records
    std::size_t removed = 0;
    const std::size_t end = std::min(c.refs.size(), c.done + prune_slice);
    for (; c.done < end; ++c.done) {
      std::vector<entry>* v = map_.find(c.refs[c.done]);
      if (v == nullptr || v->empty()) continue;
      const std::size_t before = v->size();
      std::erase_if(*v, [&](const entry& e) { return e.txn < c.txn; });
      removed += before - v->size();
      if (v->empty()) {
        --nonempty_;
        // Freed unless it is the few a series logs between two checkpoints:
        // kept, a sweep's interval of samples at 200k series held ~60 MiB.
        if (v->capacity() > 8) std::vector<entry>().swap(*v);
      } else if (v->capacity() > 32 && v->size() * 4 < v->capacity()) {
        v->shrink_to_fit();
      }
    }
    total_.fetch_sub(removed, std::memory_order_relaxed);
    if (c.done == c.refs.size()) pending_.pop_front();
    if (pending_.empty() && map_.used() > 4096 && nonempty_ * 4 < map_.used()) map_.rebuild(); // series gone
  }
}

bool unflushed_samples::clear_if_unpinned() {
  map dropped;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!pins_.empty()) return false;
    std::swap(dropped, map_);
    nonempty_ = 0;
    pending_.clear();
    total_.store(0, std::memory_order_relaxed);
  }
  return true; // `dropped` is freed outside the lock
}

std::uint64_t unflushed_samples::pin() const {
  std::lock_guard<std::mutex> l(mu_);
  const std::uint64_t floor = last_committed_;
  for (auto& [f, readers] : pins_)
    if (f == floor) {
      ++readers;
      return floor;
    }
  pins_.emplace_back(floor, 1);
  return floor;
}

void unflushed_samples::unpin(std::uint64_t floor) const {
  std::lock_guard<std::mutex> l(mu_);
  for (auto it = pins_.begin(); it != pins_.end(); ++it)
    if (it->first == floor) {
      if (--it->second == 0) pins_.erase(it);
      return;
    }
}

void unflushed_samples::wait_published(std::uint64_t snapshot) const {
  std::unique_lock<std::mutex> l(mu_);
  published_.wait(l, [&] { return announced_ == 0 || announced_ > snapshot; });
}

void unflushed_samples::samples(series_ref ref, timestamp_ms lo, timestamp_ms hi, std::uint64_t snapshot,
                                std::vector<sample>& out) const {
  if (total_.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard<std::mutex> l(mu_);
  const auto* found = map_.find(ref);
  if (!found) return;
  const auto& v = *found;
  for (auto x = first_at_or_after(v.begin(), v.end(), lo); x != v.end() && x->t <= hi; ++x)
    if (x->txn <= snapshot) out.push_back({x->t, x->v});
}

bool unflushed_samples::has_samples(series_ref ref, timestamp_ms lo, timestamp_ms hi,
                                    std::uint64_t snapshot) const {
  if (total_.load(std::memory_order_relaxed) == 0) return false;
  std::lock_guard<std::mutex> l(mu_);
  const auto* found = map_.find(ref);
  if (!found) return false;
  const auto& v = *found;
  for (auto x = first_at_or_after(v.begin(), v.end(), lo); x != v.end() && x->t <= hi; ++x)
    if (x->txn <= snapshot) return true;
  return false;
}

} // namespace vigil::store
