#include "store/codec_float.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "store/bit_stream.hpp"
#include "store/varint.hpp"

namespace vigil::store {

namespace {

// Mode byte: low 5 bits 0 constant | 1 xor | 2 bits | 3 + k decimal; bit 7:
// specials (decimal only); bits 5-6: 0.
constexpr std::uint8_t mode_decimal_base = 3;
constexpr std::uint8_t mode_has_specials = 0x80;

constexpr double pow10[max_decimal_digits + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,
                                                 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};

std::uint64_t bits_of(double v) noexcept { return std::bit_cast<std::uint64_t>(v); }

/// What the decoder computes from (m, k).
double from_decimal(std::int64_t m, unsigned k) noexcept {
  return k == 0 ? static_cast<double>(m) : static_cast<double>(m) / pow10[k];
}

enum class fit { yes, no, never };

/// Whether v == m / 10^k bit for bit, for the integer m nearest v * 10^k;
/// `never` when no larger k can fit either (too large, NaN, Inf).
fit to_decimal(double v, unsigned k, std::int64_t* m) noexcept {
  if (k == 0) {
    if (!(std::fabs(v) < 9223372036854775808.0)) return fit::never; // 2^63; also NaN
    *m = static_cast<std::int64_t>(v);
    return bits_of(static_cast<double>(*m)) == bits_of(v) ? fit::yes : fit::no;
  }
  const double s = v * pow10[k];
  if (!(std::fabs(s) < 2251799813685248.0)) return fit::never; // 2^51
  const double r = (s + 6755399441055744.0) - 6755399441055744.0; // round to nearest (1.5 * 2^52)
  *m = static_cast<std::int64_t>(r);
  return bits_of(from_decimal(*m, k)) == bits_of(v) ? fit::yes : fit::no;
}

void put_le64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint64_t get_le64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

/// The Gorilla value stream (store/xor_chunk.hpp), appended byte-aligned.
void encode_xor(std::span<const double> v, std::vector<std::uint8_t>& out) {
  bit_writer w(out);
  std::uint64_t prev = bits_of(v[0]);
  w.write_bits(prev, 64);
  unsigned leading = 0xff, trailing = 0;
  for (std::size_t i = 1; i < v.size(); ++i) {
    const std::uint64_t cur = bits_of(v[i]), delta = cur ^ prev;
    prev = cur;
    if (delta == 0) {
      w.write_bit(false);
      continue;
    }
    w.write_bit(true);
    const unsigned lead = std::min(31u, static_cast<unsigned>(std::countl_zero(delta)));
    const auto trail = static_cast<unsigned>(std::countr_zero(delta));
    if (leading != 0xff && lead >= leading && trail >= trailing) {
      w.write_bit(false);
      w.write_bits(delta >> trailing, 64 - leading - trailing);
      continue;
    }
    leading = lead;
    trailing = trail;
    w.write_bit(true);
    w.write_bits(lead, 5);
    w.write_bits(64 - lead - trail, 6); // 64 is written as 0
    w.write_bits(delta >> trail, 64 - lead - trail);
  }
}

const char* decode_xor(std::span<const std::uint8_t> in, std::size_t* pos, std::size_t n, double* out) noexcept {
  if (*pos > in.size()) return "truncated xor values";
  const auto rest = in.subspan(*pos);
  const std::size_t size = rest.size();
  thread_local std::vector<std::uint8_t> buf;
  buf.assign(size + 16, 0);
  std::copy(rest.begin(), rest.end(), buf.begin());
  const std::uint64_t size_bits = std::uint64_t{size} * 8;
  padded_bit_reader r{buf.data()};
  if (size_bits < 64) return "truncated xor values";
  std::uint64_t v = r.bits(64);
  out[0] = std::bit_cast<double>(v);
  unsigned leading = 0xff, trailing = 0;
  for (std::size_t i = 1; i < n; ++i) {
    const std::uint64_t w = r.peek();
    if ((w >> 63) == 0) {
      r.pos += 1;
    } else {
      r.pos += 2;
      if ((w >> 62) & 1) {
        const std::uint64_t head = r.bits(11);
        unsigned lead = static_cast<unsigned>(head >> 6), sig = static_cast<unsigned>(head & 63);
        if (sig == 0) sig = 64;
        if (lead + sig > 64) return "bad xor window";
        leading = lead;
        trailing = 64 - lead - sig;
      } else if (leading == 0xff) {
        return "xor window reused before one was set";
      }
      v ^= r.bits(64 - leading - trailing) << trailing;
    }
    if (r.pos > size_bits) return "truncated xor values";
    out[i] = std::bit_cast<double>(v);
  }
  *pos += static_cast<std::size_t>((r.pos + 7) / 8);
  return nullptr;
}

} // namespace

bool value_encoder::encode_decimal(std::span<const double> v, std::vector<std::uint8_t>& out) {
  const std::size_t n = v.size();
  // The smallest k that fits every value but a few (specials).
  unsigned k = 0;
  std::size_t misfits = 0;
  std::int64_t m = 0;
  for (double x : v) {
    fit f = to_decimal(x, k, &m);
    if (f == fit::yes) continue;
    unsigned kk = k;
    while (f == fit::no && kk < max_decimal_digits) f = to_decimal(x, ++kk, &m);
    if (f == fit::yes) {
      k = kk;
    } else if (++misfits > n / 4) {
      return false;
    }
  }
  if (misfits > n / 4) return false;
  // At that k (a decimal that fits at k fits at any larger k, but check).
  m_.resize(n);
  specials_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    if (to_decimal(v[i], k, &m) == fit::yes) m_[i] = static_cast<std::uint64_t>(m);
    else specials_.push_back(static_cast<std::uint32_t>(i));
  }
  if (specials_.size() > n / 4 || specials_.size() == n) return false;
  // A special repeats its neighbour's m, so it costs the sequence nothing.
  std::size_t first = 0;
  for (std::uint32_t s : specials_) {
    if (s == first) ++first;
    else break;
  }
  for (std::size_t i = 0; i < first; ++i) m_[i] = m_[first];
  for (std::uint32_t s : specials_)
    if (s > first) m_[s] = m_[s - 1];

  out.push_back(static_cast<std::uint8_t>((mode_decimal_base + k) | (specials_.empty() ? 0 : mode_has_specials)));
  ints_.encode(m_, out);
  if (!specials_.empty()) {
    append_uvarint(out, specials_.size());
    std::size_t next = 0;
    for (std::uint32_t s : specials_) {
      append_uvarint(out, s - next);
      put_le64(out, bits_of(v[s]));
      next = s + 1;
    }
  }
  digits_ = k;
  return true;
}

void value_encoder::encode(std::span<const double> v, std::vector<std::uint8_t>& out) {
  const std::size_t n = v.size(), at = out.size();
  const std::uint64_t first = bits_of(v[0]);
  bool constant = true;
  for (double x : v) constant = constant && bits_of(x) == first;
  if (constant) {
    out.push_back(static_cast<std::uint8_t>(value_mode::constant));
    put_le64(out, first);
    mode_ = value_mode::constant;
    return;
  }
  const bool decimal = encode_decimal(v, out);
  // Beyond 2 bytes a value (noisy decimals with many digits, many specials,
  // or no decimal at all), try the two float modes and keep the smallest:
  // Gorilla XOR, and the IEEE bits as integers (which pack float counters
  // and slowly moving floats tighter: their bit patterns grow steadily).
  if (decimal && out.size() - at <= 2 * n) {
    mode_ = value_mode::decimal;
    return;
  }
  tmp_.assign(1, static_cast<std::uint8_t>(value_mode::xor_bits));
  encode_xor(v, tmp_);
  bits_.assign(1, static_cast<std::uint8_t>(value_mode::bits));
  m_.resize(n);
  for (std::size_t i = 0; i < n; ++i) m_[i] = bits_of(v[i]);
  ints_.encode(m_, bits_);
  const std::vector<std::uint8_t>& smaller = bits_.size() < tmp_.size() ? bits_ : tmp_;
  if (decimal && out.size() - at <= smaller.size()) {
    mode_ = value_mode::decimal;
    return;
  }
  out.resize(at);
  out.insert(out.end(), smaller.begin(), smaller.end());
  mode_ = &smaller == &bits_ ? value_mode::bits : value_mode::xor_bits;
}

const char* values_decode(std::span<const std::uint8_t> in, std::size_t* pos, std::size_t n, double* out,
                          std::uint64_t* scratch) noexcept {
  if (*pos >= in.size()) return "truncated value mode";
  const std::uint8_t mode = in[(*pos)++];
  const unsigned kind = mode & 0x1f;
  if (kind == static_cast<unsigned>(value_mode::constant)) {
    if (mode != kind) return "unknown value mode";
    if (in.size() - *pos < 8) return "truncated constant";
    const double v = std::bit_cast<double>(get_le64(in.data() + *pos));
    *pos += 8;
    std::fill(out, out + n, v);
    return nullptr;
  }
  if (kind == static_cast<unsigned>(value_mode::xor_bits)) {
    if (mode != kind) return "unknown value mode";
    return decode_xor(in, pos, n, out);
  }
  if (kind == static_cast<unsigned>(value_mode::bits)) {
    if (mode != kind) return "unknown value mode";
    if (const char* e = intseq_decode(in, pos, n, scratch)) return e;
    for (std::size_t i = 0; i < n; ++i) out[i] = std::bit_cast<double>(scratch[i]);
    return nullptr;
  }
  if (kind < mode_decimal_base || kind > mode_decimal_base + max_decimal_digits || (mode & 0x60) != 0)
    return "unknown value mode";
  const unsigned k = kind - mode_decimal_base;
  if (const char* e = intseq_decode(in, pos, n, scratch)) return e;
  if (k == 0) {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<double>(static_cast<std::int64_t>(scratch[i]));
  } else {
    const double p = pow10[k];
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<double>(static_cast<std::int64_t>(scratch[i])) / p;
  }
  if ((mode & mode_has_specials) != 0) {
    std::uint64_t count = 0;
    if (!read_uvarint(in, pos, &count)) return "truncated specials";
    if (count == 0 || count > n) return "bad special count";
    std::uint64_t next = 0;
    for (std::uint64_t s = 0; s < count; ++s) {
      std::uint64_t gap = 0;
      if (!read_uvarint(in, pos, &gap)) return "truncated specials";
      if (gap >= n - next) return "special index out of range";
      if (in.size() - *pos < 8) return "truncated specials";
      next += gap;
      out[next++] = std::bit_cast<double>(get_le64(in.data() + *pos));
      *pos += 8;
    }
  }
  return nullptr;
}

} // namespace vigil::store
