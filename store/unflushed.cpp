#include "store/unflushed.hpp"

#include <algorithm>

namespace vigil::store {

namespace {

template <class It>
It first_at_or_after(It b, It e, timestamp_ms t) {
  return std::lower_bound(b, e, t, [](const auto& x, timestamp_ms u) { return x.t < u; });
}

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
  if ((used_ + 1) * 2 > slots_.size()) grow();
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

const std::vector<unflushed_samples::entry>* unflushed_samples::map::find(series_ref ref) const noexcept {
  if (slots_.empty()) return nullptr;
  for (std::size_t i = index(ref);; i = (i + 1) & mask_) {
    const slot& s = slots_[i];
    if (s.key == ref + 1) return &s.v;
    if (s.key == 0) return nullptr;
  }
}

void unflushed_samples::map::grow() {
  std::vector<slot> old = std::exchange(slots_, std::vector<slot>(slots_.empty() ? 1024 : slots_.size() * 2));
  mask_ = slots_.size() - 1;
  for (slot& o : old) {
    if (o.key == 0) continue;
    for (std::size_t i = index(o.key - 1);; i = (i + 1) & mask_)
      if (slots_[i].key == 0) {
        slots_[i] = std::move(o);
        break;
      }
  }
}

void unflushed_samples::publish(std::uint64_t txn, std::span<const logged_sample> samples) {
  {
    std::lock_guard<std::mutex> l(mu_);
    map& m = maps_[gen_ & 1];
    std::vector<entry>* cur = nullptr;
    series_ref cur_ref = 0;
    // A batch's series are scattered in memory: their slots are fetched a
    // few samples ahead so that the misses overlap.
    constexpr std::size_t ahead = 16;
    for (std::size_t i = 0; i < ahead && i < samples.size(); ++i) m.prefetch(samples[i].ref);
    for (std::size_t i = 0; i < samples.size(); ++i) {
      if (i + ahead < samples.size()) m.prefetch(samples[i + ahead].ref);
      const logged_sample& x = samples[i];
      if (cur == nullptr || x.ref != cur_ref) {
        cur = &m[x.ref];
        cur_ref = x.ref;
        if (cur->capacity() == 0) cur->reserve(8); // a checkpoint interval's worth, typically
      }
      if (cur->empty() || x.t > cur->back().t) {
        cur->push_back({x.t, x.v, txn});
        continue;
      }
      // Not after the series' newest here (a series the head reloaded after
      // its records moved): kept sorted, the newer value winning.
      auto at = first_at_or_after(cur->begin(), cur->end(), x.t);
      if (at->t == x.t) *at = {x.t, x.v, txn};
      else cur->insert(at, {x.t, x.v, txn});
    }
    counts_[gen_ & 1] += samples.size();
    total_.store(counts_[0] + counts_[1], std::memory_order_relaxed);
    current_.store(counts_[gen_ & 1], std::memory_order_relaxed);
    announced_ = 0;
  }
  published_.notify_all();
}

bool unflushed_samples::rotate() {
  map dropped;
  {
    std::lock_guard<std::mutex> l(mu_);
    const std::size_t next = (gen_ + 1) & 1; // the generation before the current one
    if (pins_[next] != 0) return false;
    dropped.swap(maps_[next]);
    counts_[next] = 0;
    ++gen_;
    total_.store(counts_[0] + counts_[1], std::memory_order_relaxed);
    current_.store(0, std::memory_order_relaxed);
  }
  return true; // `dropped` is freed outside the lock
}

void unflushed_samples::trim() {
  if (total_.load(std::memory_order_relaxed) == current_.load(std::memory_order_relaxed)) return; // nothing older
  map dropped;
  {
    std::lock_guard<std::mutex> l(mu_);
    const std::size_t prev = (gen_ + 1) & 1;
    if (pins_[prev] != 0 || counts_[prev] == 0) return;
    dropped.swap(maps_[prev]);
    counts_[prev] = 0;
    total_.store(counts_[0] + counts_[1], std::memory_order_relaxed);
  }
}

bool unflushed_samples::clear_if_unpinned() {
  map a, b;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (pins_[0] != 0 || pins_[1] != 0) return false;
    a.swap(maps_[0]);
    b.swap(maps_[1]);
    counts_ = {};
    gen_ += 2;
    total_.store(0, std::memory_order_relaxed);
    current_.store(0, std::memory_order_relaxed);
  }
  return true;
}

std::uint64_t unflushed_samples::pin() const {
  std::lock_guard<std::mutex> l(mu_);
  ++pins_[gen_ & 1];
  return gen_;
}

void unflushed_samples::unpin(std::uint64_t gen) const {
  std::lock_guard<std::mutex> l(mu_);
  --pins_[gen & 1];
}

void unflushed_samples::wait_published(std::uint64_t snapshot) const {
  std::unique_lock<std::mutex> l(mu_);
  published_.wait(l, [&] { return announced_ == 0 || announced_ > snapshot; });
}

void unflushed_samples::samples(series_ref ref, timestamp_ms lo, timestamp_ms hi, std::uint64_t snapshot,
                                std::vector<sample>& out) const {
  if (total_.load(std::memory_order_relaxed) == 0) return;
  const std::size_t from_size = out.size();
  {
    std::lock_guard<std::mutex> l(mu_);
    // The older generation first; each ascends, and normally the older
    // one's samples precede the newer one's.
    for (std::uint64_t g : {gen_ + 1, gen_}) {
      const map& m = maps_[g & 1];
      const auto* found = m.find(ref);
      if (!found) continue;
      const auto& v = *found;
      for (auto x = first_at_or_after(v.begin(), v.end(), lo); x != v.end() && x->t <= hi; ++x)
        if (x->txn <= snapshot) out.push_back({x->t, x->v});
    }
  }
  const auto first = out.begin() + static_cast<std::ptrdiff_t>(from_size);
  if (std::adjacent_find(first, out.end(), [](const sample& a, const sample& b) { return a.t >= b.t; }) ==
      out.end())
    return; // strictly ascending
  // They overlap: sorted by time, of equal times the newer generation's.
  std::stable_sort(first, out.end(), [](const sample& a, const sample& b) { return a.t < b.t; });
  auto w = first;
  for (auto r = first; r != out.end(); ++r) {
    if (w != first && (w - 1)->t == r->t) *(w - 1) = *r;
    else *w++ = *r;
  }
  out.erase(w, out.end());
}

bool unflushed_samples::has_samples(series_ref ref, timestamp_ms lo, timestamp_ms hi,
                                    std::uint64_t snapshot) const {
  if (total_.load(std::memory_order_relaxed) == 0) return false;
  std::lock_guard<std::mutex> l(mu_);
  for (const map& m : maps_) {
    const auto* found = m.find(ref);
    if (!found) continue;
    const auto& v = *found;
    for (auto x = first_at_or_after(v.begin(), v.end(), lo); x != v.end() && x->t <= hi; ++x)
      if (x->txn <= snapshot) return true;
  }
  return false;
}

} // namespace vigil::store
