#include "store/xor_chunk.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>
#include <string>

#include "store/varint.hpp"

namespace vigil::store {

namespace {

/// Prometheus' bitRange: whether dod fits a signed `nbits` bucket, which holds
/// -(2^(n-1) - 1) .. 2^(n-1).
constexpr bool bit_range(std::int64_t x, unsigned nbits) {
  return -((std::int64_t{1} << (nbits - 1)) - 1) <= x && x <= (std::int64_t{1} << (nbits - 1));
}

/// Go's PutUvarint, bit-aligned at the writer's position.
void write_uvarint(bit_writer& w, std::uint64_t v) {
  while (v >= 0x80) {
    w.write_byte(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  w.write_byte(static_cast<std::uint8_t>(v));
}

void put_count(std::vector<std::uint8_t>& buf, std::uint16_t n) {
  buf[0] = static_cast<std::uint8_t>(n >> 8);
  buf[1] = static_cast<std::uint8_t>(n);
}

} // namespace

// ---- appender ---------------------------------------------------------------

xor_appender xor_appender::create(std::vector<std::uint8_t>& buf) {
  buf.assign(xor_chunk_header_bytes, 0);
  return xor_appender(bit_writer::resume(buf, xor_chunk_header_bytes * 8), xor_state{});
}

result<xor_appender> xor_appender::resume(std::vector<std::uint8_t>& buf) {
  xor_iterator it(buf);
  while (it.next()) {
  }
  if (!it.err().is_ok()) return it.err();
  return xor_appender(bit_writer::resume(buf, it.bit_position()), it.state());
}

void xor_appender::append(timestamp_ms t, double v) {
  assert(st_.count < xor_chunk_max_samples);
  assert(st_.count == 0 || t > st_.t);
  const auto v_bits = std::bit_cast<std::uint64_t>(v);
  // Unsigned arithmetic: wraps instead of overflowing for extreme timestamps.
  const std::uint64_t t_delta = static_cast<std::uint64_t>(t) - static_cast<std::uint64_t>(st_.t);
  if (st_.count == 0) {
    write_uvarint(w_, zigzag_encode(t));
    w_.write_bits(v_bits, 64);
  } else if (st_.count == 1) {
    write_uvarint(w_, t_delta);
    write_value(v_bits);
  } else {
    write_dod(static_cast<std::int64_t>(t_delta - st_.t_delta));
    write_value(v_bits);
  }
  st_.t = t;
  st_.v_bits = v_bits;
  st_.t_delta = t_delta;
  ++st_.count;
  put_count(w_.bytes(), st_.count);
}

void xor_appender::write_dod(std::int64_t dod) {
  const auto u = static_cast<std::uint64_t>(dod);
  if (dod == 0) {
    w_.write_bit(false);
  } else if (bit_range(dod, 14)) {
    w_.write_bits(0b10, 2);
    w_.write_bits(u, 14);
  } else if (bit_range(dod, 17)) {
    w_.write_bits(0b110, 3);
    w_.write_bits(u, 17);
  } else if (bit_range(dod, 20)) {
    w_.write_bits(0b1110, 4);
    w_.write_bits(u, 20);
  } else {
    w_.write_bits(0b1111, 4);
    w_.write_bits(u, 64);
  }
}

void xor_appender::write_value(std::uint64_t v_bits) {
  const std::uint64_t delta = v_bits ^ st_.v_bits;
  if (delta == 0) {
    w_.write_bit(false);
    return;
  }
  w_.write_bit(true);
  auto leading = static_cast<std::uint8_t>(std::countl_zero(delta));
  const auto trailing = static_cast<std::uint8_t>(std::countr_zero(delta));
  if (leading >= 32) leading = 31; // the field has 5 bits
  if (st_.leading != 0xff && leading >= st_.leading && trailing >= st_.trailing) {
    w_.write_bit(false); // reuse the previous window
    w_.write_bits(delta >> st_.trailing, 64u - st_.leading - st_.trailing);
    return;
  }
  st_.leading = leading;
  st_.trailing = trailing;
  w_.write_bit(true);
  w_.write_bits(leading, 5);
  const unsigned sigbits = 64u - leading - trailing; // 64 is written as 0
  w_.write_bits(sigbits, 6);
  w_.write_bits(delta >> trailing, sigbits);
}

// ---- iterator ---------------------------------------------------------------

void xor_iterator::reset(std::span<const std::uint8_t> bytes) {
  st_ = xor_state{};
  valid_ = false;
  err_ = status::ok();
  if (bytes.size() < xor_chunk_header_bytes) {
    total_ = 0;
    r_ = bit_reader();
    err_ = corruption("xor chunk: " + std::to_string(bytes.size()) + " bytes, shorter than its header");
    return;
  }
  total_ = static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1]);
  r_ = bit_reader(bytes, xor_chunk_header_bytes * 8);
}

bool xor_iterator::fail(const char* what) {
  err_ = corruption(std::string("xor chunk: ") + what + " at sample " + std::to_string(st_.count) +
                    " of " + std::to_string(total_));
  total_ = st_.count; // stop
  return false;
}

bool xor_iterator::next() {
  valid_ = advance();
  return valid_;
}

bool xor_iterator::advance() {
  if (!err_.is_ok() || st_.count >= total_) return false;
  if (st_.count == 0) return read_first();
  if (st_.count == 1) {
    std::uint64_t d = 0;
    if (!r_.read_uvarint(&d)) return fail("truncated first delta");
    st_.t_delta = d;
  } else {
    std::int64_t dod = 0;
    if (!read_dod(&dod)) return false;
    st_.t_delta += static_cast<std::uint64_t>(dod);
  }
  st_.t = static_cast<timestamp_ms>(static_cast<std::uint64_t>(st_.t) + st_.t_delta);
  if (!read_value()) return false;
  ++st_.count;
  return true;
}

bool xor_iterator::read_first() {
  std::int64_t t = 0;
  std::uint64_t v = 0;
  if (!r_.read_varint(&t)) return fail("truncated first timestamp");
  if (!r_.read_bits(64, &v)) return fail("truncated first value");
  st_.t = t;
  st_.v_bits = v;
  ++st_.count;
  return true;
}

bool xor_iterator::read_dod(std::int64_t* dod) {
  unsigned prefix = 0;
  for (int i = 0; i < 4; ++i) {
    bool bit = false;
    if (!r_.read_bit(&bit)) return fail("truncated timestamp");
    prefix = (prefix << 1) | (bit ? 1u : 0u);
    if (!bit) break;
  }
  unsigned sz = 0;
  switch (prefix) {
    case 0b0: *dod = 0; return true;
    case 0b10: sz = 14; break;
    case 0b110: sz = 17; break;
    case 0b1110: sz = 20; break;
    default: sz = 64; break; // 0b1111
  }
  std::uint64_t bits = 0;
  if (!r_.read_bits(sz, &bits)) return fail("truncated timestamp");
  if (sz < 64 && bits > (std::uint64_t{1} << (sz - 1))) bits -= std::uint64_t{1} << sz;
  *dod = static_cast<std::int64_t>(bits);
  return true;
}

bool xor_iterator::read_value() {
  bool bit = false;
  if (!r_.read_bit(&bit)) return fail("truncated value");
  if (!bit) return true; // same value
  if (!r_.read_bit(&bit)) return fail("truncated value");
  if (bit) {
    std::uint64_t leading = 0, sigbits = 0;
    if (!r_.read_bits(5, &leading) || !r_.read_bits(6, &sigbits)) return fail("truncated value");
    if (sigbits == 0) sigbits = 64;
    if (leading + sigbits > 64) return fail("bad xor window");
    st_.leading = static_cast<std::uint8_t>(leading);
    st_.trailing = static_cast<std::uint8_t>(64 - leading - sigbits);
  } else if (st_.leading == 0xff) {
    return fail("xor window reused before one was set");
  }
  const unsigned mbits = 64u - st_.leading - st_.trailing;
  std::uint64_t bits = 0;
  if (!r_.read_bits(mbits, &bits)) return fail("truncated value");
  st_.v_bits ^= bits << st_.trailing;
  return true;
}

bool xor_iterator::seek(timestamp_ms t) {
  if (valid_ && st_.t >= t) return true;
  while (next())
    if (st_.t >= t) return true;
  return false;
}


// ---- fast range decode ------------------------------------------------------

namespace {

/// padded_bit_reader (bit_stream.hpp) plus the varint of the first samples.
struct padded_reader : padded_bit_reader {
  bool uvarint(std::uint64_t* out) noexcept {
    std::uint64_t v = 0;
    for (unsigned i = 0, shift = 0; i < max_varint_bytes; ++i, shift += 7) {
      auto b = static_cast<std::uint8_t>(bits(8));
      if (i == max_varint_bytes - 1 && b > 1) return false;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) {
        *out = v;
        return true;
      }
    }
    return false;
  }
};

} // namespace

bool xor_decode_range(std::span<const std::uint8_t> bytes, timestamp_ms lo, timestamp_ms hi,
                      std::vector<sample>& out) {
  return xor_decode_range(bytes, lo, hi, out, nullptr, nullptr);
}

bool xor_decode_range(std::span<const std::uint8_t> bytes, timestamp_ms lo, timestamp_ms hi,
                      std::vector<sample>& out, const xor_resume* from, xor_resume* last_before_lo) {
  if (last_before_lo) *last_before_lo = xor_resume{};
  if (bytes.size() < xor_chunk_header_bytes) return false;
  const auto total = static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1]);
  if (total == 0) return true;
  const auto body = bytes.subspan(xor_chunk_header_bytes);
  const std::uint64_t size_bits = body.size() * 8;
  if (from && (from->count < 2 || from->count >= total || from->t >= lo || from->bit_pos > size_bits))
    from = nullptr; // not usable here: decode from the start
  thread_local std::vector<std::uint8_t> buf;
  buf.resize(body.size() + 16);
  if (!body.empty()) std::memcpy(buf.data(), body.data(), body.size());
  std::memset(buf.data() + body.size(), 0, 16);
  padded_reader r;
  r.d = buf.data();
  timestamp_ms t = 0;
  std::uint64_t v_bits = 0, t_delta = 0;
  unsigned leading = 0xff, trailing = 0;
  unsigned n = 1;
  if (from) {
    r.pos = from->bit_pos;
    t = from->t, v_bits = from->v_bits, t_delta = from->t_delta;
    leading = from->leading, trailing = from->trailing;
    n = from->count;
    if (t > hi) return true;
    if (out.capacity() < out.size() + (total - n))
      out.reserve(std::max(2 * out.capacity(), out.size() + (total - n)));
  } else {
    // sample 0
    std::uint64_t zz = 0;
    if (!r.uvarint(&zz) || r.pos + 64 > size_bits) return false;
    t = zigzag_decode(zz);
    v_bits = r.bits(64);
    if (t > hi) return true;
    if (out.capacity() < out.size() + total) out.reserve(std::max(2 * out.capacity(), out.size() + total));
    if (t >= lo) out.push_back({t, std::bit_cast<double>(v_bits)});
  }
  for (; n < total; ++n) {
    if (n == 1) {
      if (!r.uvarint(&t_delta)) return false;
    } else {
      const std::uint64_t w = r.peek();
      if ((w >> 63) == 0) {
        r.pos += 1;
      } else {
        unsigned sz = 0;
        if ((w >> 62) == 0b10) {
          r.pos += 2, sz = 14;
        } else if ((w >> 61) == 0b110) {
          r.pos += 3, sz = 17;
        } else if ((w >> 60) == 0b1110) {
          r.pos += 4, sz = 20;
        } else {
          r.pos += 4, sz = 64;
        }
        std::uint64_t b = r.bits(sz);
        if (sz < 64 && b > (std::uint64_t{1} << (sz - 1))) b -= std::uint64_t{1} << sz;
        t_delta += b;
      }
    }
    t = static_cast<timestamp_ms>(static_cast<std::uint64_t>(t) + t_delta);
    const std::uint64_t w = r.peek();
    if ((w >> 63) == 0) {
      r.pos += 1;
    } else {
      r.pos += 2;
      if ((w >> 62) & 1) {
        const auto head = r.bits(11);
        unsigned lead = static_cast<unsigned>(head >> 6), sig = static_cast<unsigned>(head & 63);
        if (sig == 0) sig = 64;
        if (lead + sig > 64) return false;
        leading = lead;
        trailing = 64 - lead - sig;
      } else if (leading == 0xff) {
        return false;
      }
      v_bits ^= r.bits(64 - leading - trailing) << trailing;
    }
    if (r.pos > size_bits) return false;
    if (t > hi) return true;
    if (t >= lo) {
      out.push_back({t, std::bit_cast<double>(v_bits)});
    } else if (last_before_lo) {
      *last_before_lo = {t,
                         v_bits,
                         t_delta,
                         static_cast<std::uint32_t>(r.pos),
                         static_cast<std::uint16_t>(n + 1),
                         static_cast<std::uint8_t>(leading),
                         static_cast<std::uint8_t>(trailing)};
    }
  }
  return true;
}

} // namespace vigil::store
