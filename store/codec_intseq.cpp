#include "store/codec_intseq.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <numeric>
#include <span>

#include "store/bit_stream.hpp"
#include "store/varint.hpp"

namespace vigil::store {

namespace {

constexpr std::uint8_t order_mask = 0x03;
constexpr std::uint8_t has_gcd = 0x04;
constexpr std::uint8_t has_exceptions = 0x08;
constexpr std::uint8_t radix_packed = 0x10;
constexpr std::uint64_t max_radix = std::uint64_t{1} << 32;

unsigned bit_len(std::uint64_t v) noexcept { return 64u - static_cast<unsigned>(std::countl_zero(v)); }
unsigned varint_len(std::uint64_t v) noexcept { return v == 0 ? 1 : (bit_len(v) + 6) / 7; }
std::int64_t as_signed(std::uint64_t v) noexcept { return static_cast<std::int64_t>(v); }
std::uint64_t zz(std::uint64_t v) noexcept { return zigzag_encode(as_signed(v)); }

/// |d| of a wrapping difference read as int64 (2^63 for INT64_MIN).
std::uint64_t magnitude(std::uint64_t d) noexcept { return as_signed(d) < 0 ? 0 - d : d; }

/// Bits of the range [min, max] of values read as int64.
struct span_tracker {
  std::int64_t lo = std::numeric_limits<std::int64_t>::max();
  std::int64_t hi = std::numeric_limits<std::int64_t>::min();
  void add(std::uint64_t v) noexcept {
    lo = std::min(lo, as_signed(v));
    hi = std::max(hi, as_signed(v));
  }
  unsigned bits() const noexcept { return bit_len(static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo)); }
};

/// o^-1 mod 2^64 for odd o (Newton's iteration doubles the correct low bits).
std::uint64_t odd_inverse(std::uint64_t o) noexcept {
  std::uint64_t inv = o; // correct to 3 bits
  for (int k = 0; k < 5; ++k) inv *= 2 - o * inv;
  return inv;
}

/// The largest g that divides every x[i] - x[0] (1 when they are all equal).
/// A divisibility test by multiplication with g's modular inverse keeps the
/// common case (g divides the next difference) at a few cycles per value.
std::uint64_t common_factor(std::span<const std::uint64_t> x) noexcept {
  std::uint64_t g = 0, inv = 0, limit = 0;
  unsigned shift = 0;
  for (std::size_t i = 1; i < x.size(); ++i) {
    const std::uint64_t d = magnitude(x[i] - x[0]);
    if (d == 0) continue;
    if (g != 0) {
      if (static_cast<unsigned>(std::countr_zero(d)) >= shift && (d >> shift) * inv <= limit) continue;
      g = std::gcd(g, d);
      if (g == 1) return 1;
    } else {
      g = d;
    }
    // d is a multiple of g = o * 2^shift (o odd) iff its low shift bits are
    // zero and (d >> shift) * o^-1 mod 2^64 <= (2^64 - 1) / o.
    shift = static_cast<unsigned>(std::countr_zero(g));
    const std::uint64_t o = g >> shift;
    inv = odd_inverse(o);
    limit = ~std::uint64_t{0} / o;
  }
  return g == 0 ? 1 : g;
}

/// The median of up to 15 values spread evenly over y: a center for the
/// packing window that is robust to a few outliers, at a fraction of the cost
/// of an exact median. @pre !y.empty()
std::uint64_t sampled_median(const std::vector<std::uint64_t>& y) noexcept {
  constexpr std::size_t k_max = 15;
  std::int64_t s[k_max];
  const std::size_t k = std::min(k_max, y.size());
  for (std::size_t i = 0; i < k; ++i) {
    const std::int64_t v = as_signed(y[i * y.size() / k]);
    std::size_t j = i;
    for (; j > 0 && s[j - 1] > v; --j) s[j] = s[j - 1];
    s[j] = v;
  }
  return static_cast<std::uint64_t>(s[k / 2]);
}

/// floor(n / r) for n, r < 2^32 (r >= 2): n * ceil(2^64 / r) >> 64 is exact
/// for such n (Granlund-Montgomery), a multiply instead of a division.
struct fast_div {
  std::uint64_t r, m;
  explicit fast_div(std::uint64_t rr) noexcept : r(rr), m(~std::uint64_t{0} / rr + 1) {}
  std::uint64_t quot(std::uint64_t n) const noexcept {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(n) * m) >> 64);
  }
};

} // namespace

radix_group radix_grouping(std::uint64_t r) noexcept {
  radix_group g;
  if (r < 2 || r > max_radix) return g;
  std::uint64_t p = r; // r^k
  while (p <= max_radix / r) {
    p *= r;
    ++g.k;
  }
  g.bits = bit_len(p - 1);
  return g;
}

// ---- encoder ----------------------------------------------------------------

void intseq_encoder::estimate(const std::vector<std::uint64_t>& y, candidate& c) {
  const std::uint64_t m = y.size();
  c.center = sampled_median(y);
  // Four partial histograms: runs of equal buckets do not wait on each other.
  std::uint32_t part[4][65] = {};
  std::size_t i = 0;
  for (; i + 4 <= m; i += 4)
    for (std::size_t k = 0; k < 4; ++k) ++part[k][bit_len(zz(y[i + k] - c.center))];
  for (; i < m; ++i) ++part[0][bit_len(zz(y[i] - c.center))];
  std::uint32_t cnt[65];
  for (std::size_t b = 0; b < 65; ++b) cnt[b] = part[0][b] + part[1][b] + part[2][b] + part[3][b];
  // A centered window of 2^w values holds the y whose zig-zag offset from the
  // median has at most w bits; the others become exceptions (an index gap
  // byte plus a varint of about their size).
  std::uint64_t best = std::numeric_limits<std::uint64_t>::max(), exc_bits = 0, exc = 0;
  unsigned best_w = 64;
  int top = 64;
  while (top > 0 && cnt[top] == 0) --top;
  for (int w = top; w >= 0; --w) {
    if (w < top) {
      const unsigned b = static_cast<unsigned>(w) + 1;
      exc += cnt[b];
      exc_bits += std::uint64_t{cnt[b]} * (8 + 8 * ((b + 6) / 7));
    }
    const std::uint64_t cost = m * static_cast<unsigned>(w) + exc_bits + (exc ? 8 * varint_len(exc) : 0);
    if (cost <= best) best = cost, best_w = static_cast<unsigned>(w);
  }
  std::uint64_t header = 16 + 8 * varint_len(zz(c.center)); // mode, width, base
  if (c.order != 1) header += 8 * varint_len(zigzag_encode(c.slope));
  c.bits = best + header;
  c.width = best_w;
}

void intseq_encoder::refine(const std::vector<std::uint64_t>& y, candidate& c) {
  // The window: from the smallest to the largest of the inliers the estimate
  // chose, often a bit narrower than its centered one; then the exact size.
  if (c.width >= 64) {
    span_tracker all;
    for (std::uint64_t v : y) all.add(v);
    c.base = static_cast<std::uint64_t>(all.lo);
    c.width = all.bits();
  } else {
    std::int64_t lo = 0, hi = 0; // the median itself is an inlier
    for (std::uint64_t v : y) {
      const std::uint64_t off = v - c.center;
      if (bit_len(zz(off)) > c.width) continue;
      lo = std::min(lo, as_signed(off));
      hi = std::max(hi, as_signed(off));
    }
    c.base = c.center + static_cast<std::uint64_t>(lo);
    c.width = bit_len(static_cast<std::uint64_t>(hi - lo));
  }
  // Exceptions: at most those outside the centered window (write() packs
  // any that fall inside the final one).
  c.exceptions = 0;
  std::uint64_t exc_bytes = 0;
  if (c.width < 64) {
    for (std::uint64_t v : y) {
      const std::uint64_t s = v - c.base;
      if (s < (std::uint64_t{1} << c.width)) continue;
      ++c.exceptions;
      exc_bytes += 1 + varint_len(zz(s));
    }
  }
  if (c.exceptions > 0) exc_bytes += varint_len(c.exceptions);
  std::uint64_t header = 2 + varint_len(zz(c.base)); // mode, width, base
  if (c.order != 1) header += varint_len(zigzag_encode(c.slope));
  c.bits = 8 * (header + exc_bytes) + y.size() * c.width;
}

void intseq_encoder::write(const std::vector<std::uint64_t>& y, const candidate& c, std::uint64_t g,
                           std::vector<std::uint8_t>& out) {
  const std::size_t m = y.size();
  const unsigned width = c.width;
  const std::uint64_t base = c.base;
  const auto fits = [width](std::uint64_t s) { return width >= 64 || s < (std::uint64_t{1} << width); };
  slots_.resize(m);
  std::uint64_t top = 0; // the largest inlier slot
  for (std::size_t i = 0; i < m; ++i) {
    const std::uint64_t s = y[i] - base;
    slots_[i] = fits(s) ? s : 0; // an exception's slot is 0
    top = std::max(top, slots_[i]);
  }
  // Dense: radix packing when it takes fewer bytes than w bits a slot.
  radix_group rg;
  if (dense_ && width < 32 && top + 1 >= 3) {
    rg = radix_grouping(top + 1);
    const std::uint64_t groups = (m + rg.k - 1) / rg.k;
    if (rg.k < 2 || (groups * rg.bits + 7) / 8 + varint_len(top + 1) >= (m * width + 7) / 8 + 1) rg = {};
  }
  std::uint8_t mode = c.order;
  if (g > 1) mode |= has_gcd;
  if (c.exceptions > 0) mode |= has_exceptions;
  if (rg.k >= 2) mode |= radix_packed;
  out.push_back(mode);
  if (c.order != 1) append_varint(out, c.slope);
  if (g > 1) append_uvarint(out, g);
  if (rg.k >= 2) append_uvarint(out, top + 1);
  else out.push_back(static_cast<std::uint8_t>(width));
  append_varint(out, as_signed(base));
  if (rg.k >= 2) {
    // Groups of k slots as numbers in base r, first slot least significant.
    const std::uint64_t r = top + 1, groups = (m + rg.k - 1) / rg.k;
    for (std::uint64_t gi = 0; gi < groups; ++gi) {
      std::uint64_t v = 0;
      const std::size_t lo = gi * rg.k, hi = std::min<std::size_t>(m, lo + rg.k);
      for (std::size_t i = hi; i-- > lo;) v = v * r + slots_[i];
      slots_[gi] = v; // gi <= lo: slots not yet read are untouched
    }
    slots_.resize(groups);
    pack_lsb(slots_, rg.bits, out);
  } else {
    pack_lsb(slots_, width, out);
  }
  if (c.exceptions > 0) {
    append_uvarint(out, c.exceptions);
    std::size_t next = 0; // index after the previous exception
    for (std::size_t i = 0; i < m; ++i) {
      const std::uint64_t s = y[i] - base;
      if (fits(s)) continue;
      append_uvarint(out, i - next);
      append_uvarint(out, zz(s));
      next = i + 1;
    }
  }
  last_ = {c.order, static_cast<std::uint8_t>(rg.k >= 2 ? rg.bits : width), g, c.slope, c.exceptions,
           rg.k >= 2 ? top + 1 : 0};
}

void intseq_encoder::encode(std::span<const std::uint64_t> x, std::vector<std::uint8_t>& out) {
  const std::size_t n = x.size();
  append_varint(out, as_signed(x[0]));
  last_ = {};
  if (n == 1) return;
  const std::uint64_t g = common_factor(x);
  z_.resize(n);
  if (g == 1) {
    for (std::size_t i = 0; i < n; ++i) z_[i] = x[i] - x[0];
  } else {
    // Exact division: shift out g's factors of 2 (arithmetically: z may be
    // negative), then multiply by the inverse of its odd part mod 2^64.
    const auto shift = static_cast<unsigned>(std::countr_zero(g));
    const std::uint64_t inv = odd_inverse(g >> shift);
    for (std::size_t i = 0; i < n; ++i) z_[i] = static_cast<std::uint64_t>(as_signed(x[i] - x[0]) >> shift) * inv;
  }

  const std::size_t m = n - 1;
  for (auto& y : y_) y.resize(m);
  for (std::size_t i = 1; i < n; ++i) y_[0][i - 1] = z_[i] - z_[i - 1];
  candidate best{.order = 1};
  estimate(y_[0], best);
  // Slopes for orders 0 and 2: the typical delta (robust to gaps), and the
  // mean one (exact for jittered regular scrapes).
  const std::uint64_t d_med = best.center;
  const auto zl = as_signed(z_[n - 1]), ms = static_cast<std::int64_t>(m);
  std::int64_t d_avg = zl / ms;
  if (const std::int64_t r = zl - d_avg * ms; 2 * (r < 0 ? -r : r) >= ms) d_avg += r < 0 ? -1 : 1;
  const auto d_mean = static_cast<std::uint64_t>(d_avg);
  // The other candidates: plain values when the typical delta is 0 (gauges),
  // residuals from a line through the typical or mean delta otherwise, and
  // deltas of deltas. Each is estimated only when its values, outliers and
  // all, span fewer bits than the deltas do: otherwise it rarely wins (on
  // the ingest benchmark's series, deltas win for 98 % of value blocks and
  // residuals from a line for 98 % of timestamp blocks).
  const candidate cs[4] = {{.order = 0},
                           {.order = 0, .slope = as_signed(d_med)},
                           {.order = 0, .slope = as_signed(d_mean)},
                           {.order = 2, .slope = as_signed(d_med)}};
  const bool use[4] = {true, d_med != 0, d_mean != 0 && d_mean != d_med, true};
  span_tracker spans[5];
  for (std::size_t i = 1; i < n; ++i) {
    const std::uint64_t ys[5] = {y_[0][i - 1], z_[i], z_[i] - i * d_med, z_[i] - i * d_mean,
                                 y_[0][i - 1] - (i == 1 ? d_med : y_[0][i - 2])};
    for (std::size_t k = 0; k < 5; ++k) {
      y_[k][i - 1] = ys[k];
      spans[k].add(ys[k]);
    }
  }
  // Estimate, then size exactly the two best.
  candidate all[5] = {best};
  std::size_t idx[5] = {0}, count = 1;
  for (std::size_t k = 0; k < 4; ++k) {
    if (!use[k] || spans[k + 1].bits() >= spans[0].bits()) continue;
    all[count] = cs[k];
    estimate(y_[k + 1], all[count]);
    idx[count++] = k + 1;
  }
  std::size_t first = 0, second = count; // the best two
  for (std::size_t k = 1; k < count; ++k) {
    if (all[k].bits < all[first].bits) second = first, first = k;
    else if (second == count || all[k].bits < all[second].bits) second = k;
  }
  refine(y_[idx[first]], all[first]);
  std::size_t pick = first;
  if (second < count && all[second].bits <= all[first].bits + y_[0].size()) { // within a bit a value
    refine(y_[idx[second]], all[second]);
    if (all[second].bits < all[first].bits) pick = second;
  }
  write(y_[idx[pick]], all[pick], g, out);
}

// ---- decoder ----------------------------------------------------------------

const char* intseq_decode(std::span<const std::uint8_t> in, std::size_t* pos, std::size_t n,
                          std::uint64_t* out) noexcept {
  std::uint64_t u = 0;
  if (!read_uvarint(in, pos, &u)) return "truncated first value";
  const auto x0 = static_cast<std::uint64_t>(zigzag_decode(u));
  out[0] = x0;
  if (n <= 1) return nullptr;
  const std::size_t m = n - 1;
  if (*pos >= in.size()) return "truncated sequence header";
  const std::uint8_t mode = in[(*pos)++];
  const unsigned order = mode & order_mask;
  if (order == 3 || (mode & 0xe0) != 0) return "unknown sequence mode";
  std::uint64_t slope = 0, g = 1;
  if (order != 1) {
    if (!read_uvarint(in, pos, &u)) return "truncated slope";
    slope = static_cast<std::uint64_t>(zigzag_decode(u));
  }
  if ((mode & has_gcd) != 0) {
    if (!read_uvarint(in, pos, &g)) return "truncated common factor";
    if (g < 2) return "bad common factor";
  }
  unsigned w = 0;
  std::uint64_t radix = 0;
  radix_group rg;
  if ((mode & radix_packed) != 0) {
    if (!read_uvarint(in, pos, &radix)) return "truncated radix";
    rg = radix_grouping(radix);
    if (rg.k < 2) return "bad radix";
    w = rg.bits;
  } else {
    if (*pos >= in.size()) return "truncated sequence header";
    w = in[(*pos)++];
    if (w > 64) return "bit width over 64";
  }
  if (!read_uvarint(in, pos, &u)) return "truncated base";
  const auto base = static_cast<std::uint64_t>(zigzag_decode(u));
  const std::size_t packed = rg.k >= 2 ? (m + rg.k - 1) / rg.k : m; // groups or slots
  const std::size_t nbytes = (packed * w + 7) / 8;
  if (in.size() - *pos < nbytes) return "truncated packed values";
  std::uint64_t* s = out + 1;
  unpack_lsb(in.data() + *pos, nbytes, packed, w, s);
  *pos += nbytes;
  if (rg.k >= 2) {
    // Expand the groups in place, last first: group g's digits go to
    // s[g*k, g*k+k), at or after index g, so no group is overwritten
    // before it is read.
    const fast_div div(radix);
    for (std::size_t gi = packed; gi-- > 0;) {
      std::uint64_t v = s[gi];
      const std::size_t lo = gi * rg.k, hi = std::min<std::size_t>(m, lo + rg.k);
      if (v >= max_radix) return "bad radix group";
      for (std::size_t i = lo; i < hi; ++i) {
        const std::uint64_t q = div.quot(v);
        s[i] = v - q * radix;
        v = q;
      }
      if (v != 0) return "bad radix group";
    }
  }
  if ((mode & has_exceptions) != 0) {
    std::uint64_t e = 0;
    if (!read_uvarint(in, pos, &e)) return "truncated exceptions";
    if (e == 0 || e > m) return "bad exception count";
    std::uint64_t next = 0;
    for (std::uint64_t k = 0; k < e; ++k) {
      std::uint64_t gap = 0;
      if (!read_uvarint(in, pos, &gap) || !read_uvarint(in, pos, &u)) return "truncated exceptions";
      if (gap >= m - next) return "exception index out of range";
      next += gap;
      s[next++] = static_cast<std::uint64_t>(zigzag_decode(u));
    }
  }
  // y = base + slot; then undo the order; x = x0 + g * z.
  std::uint64_t z = 0, d = slope;
  switch (order) {
    case 0:
      for (std::size_t i = 0; i < m; ++i) {
        z += slope; // i * D
        s[i] = x0 + g * (z + base + s[i]);
      }
      break;
    case 1:
      for (std::size_t i = 0; i < m; ++i) {
        z += base + s[i];
        s[i] = x0 + g * z;
      }
      break;
    default:
      for (std::size_t i = 0; i < m; ++i) {
        d += base + s[i];
        z += d;
        s[i] = x0 + g * z;
      }
      break;
  }
  return nullptr;
}

} // namespace vigil::store
