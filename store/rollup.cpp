#include "store/rollup.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <string>

#include "store/keys.hpp"
#include "store/varint.hpp"

namespace vigil::store {

namespace {

constexpr timestamp_ms day_ms = 86'400'000;

void put_f64(std::vector<std::uint8_t>& out, double v) {
  const auto u = std::bit_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(u >> (8 * i)));
}

bool get_f64(std::span<const std::uint8_t> in, std::size_t* pos, double* v) {
  if (in.size() - *pos < 8) return false;
  std::uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u |= std::uint64_t{in[*pos + i]} << (8 * i);
  *pos += 8;
  *v = std::bit_cast<double>(u);
  return true;
}

bool get_varint(std::span<const std::uint8_t> in, std::size_t* pos, std::int64_t* v) {
  std::uint64_t u = 0;
  if (!read_uvarint(in, pos, &u)) return false;
  *v = zigzag_decode(u);
  return true;
}

double seconds(timestamp_ms ms) { return static_cast<double>(ms) / 1000.0; }

/// Prometheus' extrapolatedRate (query/functions_range.cpp) from the
/// aggregate of the range's samples.
std::optional<double> extrapolated(const rollup_window& a, timestamp_ms lo, timestamp_ms hi, bool per_second) {
  if (a.count < 2) return std::nullopt;
  const double result = a.last.v - a.first.v + a.resets;
  double to_start = seconds(a.first.t - lo);
  const double to_end = seconds(hi - a.last.t);
  const double sampled = seconds(a.last.t - a.first.t);
  const double avg_step = sampled / static_cast<double>(a.count - 1);
  if (result > 0 && a.first.v >= 0) {
    const double to_zero = sampled * (a.first.v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  const double threshold = avg_step * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : avg_step / 2;
  interval += to_end < threshold ? to_end : avg_step / 2;
  double factor = interval / sampled;
  if (per_second) factor /= seconds(hi - lo);
  return result * factor;
}

} // namespace

timestamp_ms rollup_config::min_after() const noexcept {
  timestamp_ms m = 0;
  for (std::size_t i = 0; i < resolutions.size(); ++i)
    if (i == 0 || resolutions[i].after_ms < m) m = resolutions[i].after_ms;
  return m;
}

status rollup_config::validate() const {
  for (std::size_t i = 0; i < resolutions.size(); ++i) {
    const auto& r = resolutions[i];
    const std::string where = "downsampling.resolutions[" + std::to_string(i) + "]";
    if (r.resolution_ms <= 0 || r.resolution_ms > day_ms || r.resolution_ms % 1000 != 0)
      return invalid_argument(where + ".resolution: must be whole seconds between 1s and 1d");
    if (r.after_ms < r.resolution_ms) return invalid_argument(where + ".after: must be at least the resolution");
    for (std::size_t j = 0; j < i; ++j)
      if (resolutions[j].resolution_ms == r.resolution_ms) return invalid_argument(where + ": duplicate resolution");
  }
  return status::ok();
}

timestamp_ms rollup_floor(timestamp_ms t, timestamp_ms res) noexcept {
  timestamp_ms q = t / res;
  if (t % res != 0 && t < 0) --q;
  return q * res;
}

void rollup_add(rollup_window& w, const sample& x) {
  if (is_stale_nan(x.v)) return;
  if (w.count == 0) {
    w.min = w.max = x.v;
    w.first = x;
  } else {
    if (x.v < w.last.v) w.resets += w.last.v;
    if (x.v < w.min || std::isnan(w.min)) w.min = x.v;
    if (x.v > w.max || std::isnan(w.max)) w.max = x.v;
  }
  w.sum += x.v;
  w.last = x;
  ++w.count;
}

std::vector<rollup_window> make_rollup_windows(std::span<const sample> samples, timestamp_ms res) {
  std::vector<rollup_window> out;
  for (const auto& x : samples) {
    if (is_stale_nan(x.v)) continue;
    const timestamp_ms ws = rollup_floor(x.t, res);
    if (out.empty() || out.back().start != ws) out.push_back(rollup_window{.start = ws});
    rollup_add(out.back(), x);
  }
  return out;
}

void append_rollup_record(std::vector<std::uint8_t>& out, const rollup_window& w) {
  out.push_back(rollup_record_version);
  append_uvarint(out, w.count);
  append_varint(out, w.first.t - w.start);
  append_varint(out, w.last.t - w.first.t);
  put_f64(out, w.first.v);
  put_f64(out, w.last.v);
  if (w.count > 1) { // one sample: sum, min and max are its value, no resets
    put_f64(out, w.sum);
    put_f64(out, w.min);
    put_f64(out, w.max);
    put_f64(out, w.resets);
  }
}

result<rollup_window> decode_rollup_record(std::span<const std::uint8_t> rec, timestamp_ms start) {
  auto bad = [&](const char* why) {
    return corruption("rollup window (t " + std::to_string(start) + "): " + why);
  };
  if (rec.empty()) return bad("empty record");
  if (rec[0] != rollup_record_version) return bad("unknown record version");
  std::size_t pos = 1;
  rollup_window w;
  w.start = start;
  std::int64_t d0 = 0, d1 = 0;
  if (!read_uvarint(rec, &pos, &w.count) || !get_varint(rec, &pos, &d0) || !get_varint(rec, &pos, &d1) ||
      !get_f64(rec, &pos, &w.first.v) || !get_f64(rec, &pos, &w.last.v))
    return bad("truncated");
  if (w.count == 0) return bad("no samples");
  w.first.t = start + d0;
  w.last.t = w.first.t + d1;
  if (d0 < 0 || d1 < 0 || (w.count == 1 && d1 != 0)) return bad("sample times out of order");
  if (w.count == 1) {
    w.sum = w.min = w.max = w.first.v;
    if (std::bit_cast<std::uint64_t>(w.first.v) != std::bit_cast<std::uint64_t>(w.last.v))
      return bad("one sample with two values");
  } else if (!get_f64(rec, &pos, &w.sum) || !get_f64(rec, &pos, &w.min) || !get_f64(rec, &pos, &w.max) ||
             !get_f64(rec, &pos, &w.resets)) {
    return bad("truncated");
  }
  if (pos != rec.size()) return bad("trailing bytes");
  return w;
}

std::vector<std::uint8_t> make_rollup_mark_key(series_ref ref, timestamp_ms res) {
  std::vector<std::uint8_t> k(rollup_mark_key_bytes);
  put_u64_be(k.data(), ref);
  const auto s = static_cast<std::uint32_t>(res / 1000);
  for (int i = 0; i < 4; ++i) k[8 + i] = static_cast<std::uint8_t>(s >> (24 - 8 * i));
  return k;
}

std::vector<std::uint8_t> make_rollup_key(series_ref ref, timestamp_ms res, timestamp_ms start) {
  auto k = make_rollup_mark_key(ref, res);
  k.resize(rollup_key_bytes);
  put_u64_be(k.data() + rollup_mark_key_bytes, encode_time(start));
  return k;
}

bool decode_rollup_key(std::span<const std::uint8_t> key, series_ref* ref, timestamp_ms* res,
                       std::optional<timestamp_ms>* start) noexcept {
  if (key.size() != rollup_key_bytes && key.size() != rollup_mark_key_bytes) return false;
  *ref = get_u64_be(key.data());
  std::uint32_t s = 0;
  for (int i = 0; i < 4; ++i) s = (s << 8) | key[8 + i];
  *res = timestamp_ms{s} * 1000;
  if (key.size() == rollup_key_bytes) *start = decode_time(get_u64_be(key.data() + rollup_mark_key_bytes));
  else start->reset();
  return true;
}

std::vector<std::uint8_t> make_rollup_mark(timestamp_ms end) {
  std::vector<std::uint8_t> v(9);
  v[0] = 1;
  put_u64_be(v.data() + 1, encode_time(end));
  return v;
}

result<timestamp_ms> decode_rollup_mark(std::span<const std::uint8_t> rec) {
  if (rec.size() != 9 || rec[0] != 1) return corruption("rollup watermark: malformed record");
  return decode_time(get_u64_be(rec.data() + 1));
}

std::optional<rollup_fn> rollup_fn_of(std::string_view name) noexcept {
  for (auto f : {rollup_fn::sum_over_time, rollup_fn::count_over_time, rollup_fn::min_over_time,
                 rollup_fn::max_over_time, rollup_fn::avg_over_time, rollup_fn::last_over_time, rollup_fn::rate,
                 rollup_fn::increase})
    if (rollup_fn_name(f) == name) return f;
  return std::nullopt;
}

std::string_view rollup_fn_name(rollup_fn f) noexcept {
  switch (f) {
  case rollup_fn::sum_over_time: return "sum_over_time";
  case rollup_fn::count_over_time: return "count_over_time";
  case rollup_fn::min_over_time: return "min_over_time";
  case rollup_fn::max_over_time: return "max_over_time";
  case rollup_fn::avg_over_time: return "avg_over_time";
  case rollup_fn::last_over_time: return "last_over_time";
  case rollup_fn::rate: return "rate";
  case rollup_fn::increase: return "increase";
  }
  return {};
}

void rollup_combiner::add(const rollup_window& w) {
  if (w.count == 0) return;
  if (acc_.count == 0) {
    acc_ = w;
    return;
  }
  if (w.first.v < acc_.last.v) acc_.resets += acc_.last.v; // a reset between the windows
  acc_.resets += w.resets;
  if (w.min < acc_.min || std::isnan(acc_.min)) acc_.min = w.min;
  if (w.max > acc_.max || std::isnan(acc_.max)) acc_.max = w.max;
  acc_.sum += w.sum;
  acc_.count += w.count;
  acc_.last = w.last;
}

void rollup_combiner::add_point(const sample& x) {
  rollup_window w;
  rollup_add(w, x);
  add(w);
}

std::optional<double> rollup_combiner::apply(rollup_fn f, timestamp_ms lo, timestamp_ms hi) const {
  if (acc_.count == 0) return std::nullopt;
  switch (f) {
  case rollup_fn::sum_over_time: return acc_.sum;
  case rollup_fn::count_over_time: return static_cast<double>(acc_.count);
  case rollup_fn::min_over_time: return acc_.min;
  case rollup_fn::max_over_time: return acc_.max;
  case rollup_fn::avg_over_time: return acc_.sum / static_cast<double>(acc_.count);
  case rollup_fn::last_over_time: return acc_.last.v;
  case rollup_fn::rate: return extrapolated(acc_, lo, hi, true);
  case rollup_fn::increase: return extrapolated(acc_, lo, hi, false);
  }
  return std::nullopt;
}

} // namespace vigil::store
