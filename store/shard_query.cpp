// store/shard_query.cpp - the read side of the shard: select and the label
// queries. Each call runs in one read txn.
#include <algorithm>
#include <limits>
#include <set>
#include <unordered_map>

#include "store/chunk_reader.hpp"
#include "store/defaults.hpp"
#include "store/shard_impl.hpp"

namespace vigil::store {

namespace {

bool unbounded(time_range r) {
  return r.min == std::numeric_limits<timestamp_ms>::min() && r.max == std::numeric_limits<timestamp_ms>::max();
}

/// Memoized "does this series have samples in the range".
class range_filter {
public:
  range_filter(chunk_reader& r, time_range range) : r_(r), range_(range), all_(unbounded(range)) {}

  result<bool> operator()(series_ref ref) {
    if (all_) return true; // every indexed series has at least one sample
    const auto it = memo_.find(ref);
    if (it != memo_.end()) return it->second;
    auto has = r_.has_samples(ref, range_);
    if (has) memo_.emplace(ref, *has);
    return has;
  }

  /// Whether any ref of `refs` passes.
  result<bool> any(const postings_list& refs) {
    for (series_ref ref : refs) {
      auto has = (*this)(ref);
      if (!has || *has) return has;
    }
    return false;
  }

private:
  chunk_reader& r_;
  time_range range_;
  bool all_;
  std::unordered_map<series_ref, bool> memo_;
};

/// Label sets of the series matching `ms` with samples in `range`, unsorted.
result<std::vector<labels>> matching_labels(const shard::impl& s, const lmdb::txn& t, const matchers& ms,
                                            time_range range) {
  const series_index& index = s.index;
  auto refs = index.select(t, ms);
  if (!refs) return std::move(refs).error();
  auto reader = chunk_reader::open(t, s.db, s.cold_now(), &s.unflushed, &s.resume);
  if (!reader) return std::move(reader).error();
  range_filter in_range(*reader, range);
  std::vector<labels> out;
  for (series_ref ref : *refs) {
    auto has = in_range(ref);
    if (!has) return std::move(has).error();
    if (!*has) continue;
    auto ls = index.labels_of(t, ref);
    if (!ls) return std::move(ls).error();
    if (matches_all(ms, *ls)) out.push_back(std::move(*ls));
  }
  return out;
}

/// One series' samples in `range` into `out`, thinned to the limits' steps
/// when asked (decoded into the reused `scratch` first, keeping the few
/// samples needed).
status read_samples(chunk_reader& reader, series_ref ref, time_range range, const read_limits& limits,
                    std::vector<sample>& scratch, std::vector<sample>& out) {
  if (limits.thin_step <= 0) return reader.samples(ref, range, out);
  scratch.clear();
  VIGIL_TRY(reader.samples(ref, range, scratch));
  thin_to_steps(scratch, limits.thin_first, limits.thin_step, range.max);
  out.assign(scratch.begin(), scratch.end());
  return status::ok();
}

/// Runs `f(txn, refs, reader)` over one read: the readers' pin of logged
/// samples (taken before the txn begins), a read txn, the series matching
/// `ms` and a chunk reader; timeout when the deadline passed already.
template <class F>
status with_read(const shard::impl& s, const matchers& ms, const read_limits& limits, F&& f) {
  if (limits.expired && limits.expired()) return status{errc::timeout, "deadline passed before the read"};
  const unflushed_pin pin(&s.unflushed); // before the txn begins
  auto t = lmdb::txn::begin(s.env, true);
  if (!t) return std::move(t).error();
  auto refs = s.index.select(*t, ms);
  if (!refs) return std::move(refs).error();
  auto reader = chunk_reader::open(*t, s.db, s.cold_now(), &s.unflushed, &s.resume);
  if (!reader) return std::move(reader).error();
  return f(*t, *refs, *reader);
}

/// shard::select_batches over an open read.
status batches_of(const shard::impl& s, const lmdb::txn& t, const postings_list& refs, chunk_reader& reader,
                  const matchers& ms, time_range range, const read_limits& limits, std::size_t batch_samples,
                  const std::function<status(std::vector<series>&)>& sink) {
  // Label order first (label sets are small; samples are read per batch).
  std::vector<std::pair<labels, series_ref>> order;
  order.reserve(refs.size());
  deadline_poll deadline(limits);
  for (series_ref ref : refs) {
    if (deadline.passed()) return status{errc::timeout, "deadline passed while reading series"};
    auto ls = s.index.labels_of(t, ref);
    if (!ls) return std::move(ls).error();
    if (matches_all(ms, *ls)) order.emplace_back(std::move(*ls), ref);
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<series> batch;
  std::vector<sample> scratch;
  std::uint64_t total = 0;
  std::size_t in_batch = 0;
  for (auto& [ls, ref] : order) {
    if (deadline.passed()) return status{errc::timeout, "deadline passed while reading series"};
    auto& cur = batch.emplace_back();
    VIGIL_TRY(read_samples(reader, ref, range, limits, scratch, cur.samples));
    if (cur.samples.empty()) {
      batch.pop_back();
      continue;
    }
    total += cur.samples.size();
    if (total > limits.max_samples)
      return resource_exhausted("select would return more than " + std::to_string(limits.max_samples) +
                                " samples");
    in_batch += cur.samples.size();
    cur.lbls = std::move(ls);
    if (in_batch >= batch_samples) {
      VIGIL_TRY(sink(batch));
      batch.clear();
      in_batch = 0;
    }
  }
  if (!batch.empty()) VIGIL_TRY(sink(batch));
  return status::ok();
}

/// shard::select over an open read: the series into `out`, sorted by labels.
status select_into(const shard::impl& s, const lmdb::txn& t, const postings_list& refs, chunk_reader& reader,
                   const matchers& ms, time_range range, const read_limits& limits, std::vector<series>& out) {
  std::vector<sample> scratch;
  std::uint64_t total = 0;
  deadline_poll deadline(limits);
  for (series_ref ref : refs) {
    if (deadline.passed()) return status{errc::timeout, "deadline passed while reading series"};
    // Decoded straight into the answer (no per-series copy); dropped again
    // when the series turns out empty or not matching.
    auto& cur = out.emplace_back();
    VIGIL_TRY(read_samples(reader, ref, range, limits, scratch, cur.samples));
    if (cur.samples.empty()) {
      out.pop_back();
      continue;
    }
    auto ls = s.index.labels_of(t, ref);
    if (!ls) return std::move(ls).error();
    if (!matches_all(ms, *ls)) { // only hashed long values get here
      out.pop_back();
      continue;
    }
    total += cur.samples.size();
    if (total > limits.max_samples)
      return resource_exhausted("select would return more than " + std::to_string(limits.max_samples) +
                                " samples");
    cur.lbls = std::move(*ls);
  }
  std::sort(out.begin(), out.end(), [](const series& a, const series& b) { return a.lbls < b.lbls; });
  return status::ok();
}

} // namespace

void thin_to_steps(std::vector<sample>& samples, timestamp_ms first, timestamp_ms step, timestamp_ms last) {
  std::size_t kept = 0, j = 0;
  const std::size_t n = samples.size();
  for (timestamp_ms tau = first; tau <= last && j < n; tau += step) {
    while (j < n && samples[j].t <= tau) ++j;
    if (j == 0) continue;
    if (kept == 0 || samples[kept - 1].t != samples[j - 1].t) samples[kept++] = samples[j - 1];
  }
  samples.resize(kept);
}

status shard::select_batches(const matchers& ms, time_range range, const read_limits& limits,
                             std::size_t batch_samples,
                             const std::function<status(std::vector<series>&)>& sink) const {
  const impl& s = *impl_;
  return with_read(s, ms, limits, [&](const lmdb::txn& t, const postings_list& refs, chunk_reader& reader) {
    return batches_of(s, t, refs, reader, ms, range, limits, batch_samples, sink);
  });
}

result<std::vector<series>> shard::select(const matchers& ms, time_range range) const {
  return select(ms, range, read_limits{});
}

result<std::vector<series>> shard::select(const matchers& ms, time_range range,
                                          const read_limits& limits) const {
  const impl& s = *impl_;
  std::vector<series> out;
  VIGIL_TRY(with_read(s, ms, limits, [&](const lmdb::txn& t, const postings_list& refs, chunk_reader& reader) {
    return select_into(s, t, refs, reader, ms, range, limits, out);
  }));
  return out;
}

result<std::vector<labels>> shard::series_labels(const matchers& ms, time_range range) const {
  const unflushed_pin pin(&impl_->unflushed); // before the txn begins
  auto t = lmdb::txn::begin(impl_->env, true);
  if (!t) return std::move(t).error();
  auto out = matching_labels(*impl_, *t, ms, range);
  if (out) std::sort(out->begin(), out->end());
  return out;
}

result<std::vector<std::string>> shard::label_names(const matchers& ms, time_range range) const {
  const impl& s = *impl_;
  const unflushed_pin pin(&s.unflushed); // before the txn begins
  auto t = lmdb::txn::begin(s.env, true);
  if (!t) return std::move(t).error();
  if (!ms.empty()) {
    auto sets = matching_labels(s, *t, ms, range);
    if (!sets) return std::move(sets).error();
    std::set<std::string> names;
    for (const auto& ls : *sets)
      for (const auto& l : ls) names.insert(l.name);
    return std::vector<std::string>(names.begin(), names.end());
  }
  auto names = s.index.names(*t);
  if (!names || unbounded(range)) return names;
  auto reader = chunk_reader::open(*t, s.db, s.cold_now(), &s.unflushed, &s.resume);
  if (!reader) return std::move(reader).error();
  range_filter in_range(*reader, range);
  std::vector<std::string> out;
  for (auto& name : *names) {
    auto refs = s.index.postings_where(*t, name, [](std::string_view) { return true; });
    if (!refs) return std::move(refs).error();
    auto has = in_range.any(*refs);
    if (!has) return std::move(has).error();
    if (*has) out.push_back(std::move(name));
  }
  return out;
}

result<std::vector<std::string>> shard::label_values(std::string_view name, const matchers& ms,
                                                     time_range range) const {
  const impl& s = *impl_;
  const unflushed_pin pin(&s.unflushed); // before the txn begins
  auto t = lmdb::txn::begin(s.env, true);
  if (!t) return std::move(t).error();
  if (!ms.empty()) {
    auto sets = matching_labels(s, *t, ms, range);
    if (!sets) return std::move(sets).error();
    std::set<std::string> values;
    for (const auto& ls : *sets)
      if (auto v = ls.get(name); !v.empty()) values.emplace(v);
    return std::vector<std::string>(values.begin(), values.end());
  }
  auto values = s.index.values(*t, name);
  if (!values || unbounded(range)) return values;
  auto reader = chunk_reader::open(*t, s.db, s.cold_now(), &s.unflushed, &s.resume);
  if (!reader) return std::move(reader).error();
  range_filter in_range(*reader, range);
  std::vector<std::string> out;
  for (auto& v : *values) {
    auto refs = s.index.postings(*t, name, v);
    if (!refs) return std::move(refs).error();
    auto has = in_range.any(*refs);
    if (!has) return std::move(has).error();
    if (*has) out.push_back(std::move(v));
  }
  return out;
}

} // namespace vigil::store
