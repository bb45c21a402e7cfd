#include "alert/outbox_codec.hpp"

#include <cstring>

#include "store/varint.hpp"

namespace vigil::alert {

namespace {

constexpr std::uint8_t version = 1;

struct writer {
  byte_buffer out;
  void u8(std::uint8_t v) { out.push_back(v); }
  void uv(std::uint64_t v) { store::append_uvarint(out, v); }
  void sv(std::int64_t v) { store::append_varint(out, v); }
  void str(std::string_view s) {
    uv(s.size());
    out.insert(out.end(), s.begin(), s.end());
  }
  void f64(double d) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, 8);
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
  }
  void lbls(const labels& ls) {
    uv(ls.size());
    for (const auto& l : ls) str(l.name), str(l.value);
  }
};

/// Reads fields in order; the first failure sticks (`ok` false).
struct reader {
  byte_view in;
  std::size_t pos = 0;
  bool ok = true;
  std::uint8_t u8() {
    if (pos >= in.size()) return ok = false, 0;
    return in[pos++];
  }
  std::uint64_t uv() {
    std::uint64_t v = 0;
    if (ok && !store::read_uvarint(in, &pos, &v)) ok = false;
    return v;
  }
  std::int64_t sv() { return store::zigzag_decode(uv()); }
  std::string str() {
    auto n = uv();
    if (!ok || n > in.size() - pos) return ok = false, std::string{};
    std::string s(reinterpret_cast<const char*>(in.data() + pos), n);
    pos += n;
    return s;
  }
  double f64() {
    if (!ok || in.size() - pos < 8) return ok = false, 0.0;
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits |= std::uint64_t{in[pos + i]} << (8 * i);
    pos += 8;
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  /// A count that cannot exceed the remaining bytes (guards allocations).
  std::size_t count() {
    auto n = uv();
    if (n > in.size() - pos) ok = false;
    return ok ? n : 0;
  }
  labels lbls() {
    std::vector<label> pairs(count());
    for (auto& p : pairs) p.name = str(), p.value = str();
    return labels(std::move(pairs));
  }
  status finish(const char* what) const {
    if (ok && pos == in.size()) return status::ok();
    return corruption(std::string("notify outbox: malformed ") + what + " record");
  }
};

void put_alert(writer& w, const notified_alert& a) {
  w.lbls(a.lbls);
  w.uv(a.annotations.size());
  for (const auto& [k, v] : a.annotations) w.str(k), w.str(v);
  w.u8(a.firing ? 1 : 0);
  w.sv(a.starts_at);
  w.sv(a.ends_at);
  w.f64(a.value);
}

notified_alert get_alert(reader& r) {
  notified_alert a;
  a.lbls = r.lbls();
  a.annotations.resize(r.count());
  for (auto& [k, v] : a.annotations) k = r.str(), v = r.str();
  a.firing = r.u8() != 0;
  a.starts_at = r.sv();
  a.ends_at = r.sv();
  a.value = r.f64();
  return a;
}

bool versioned(reader& r) { return r.u8() == version && r.ok; }

} // namespace

byte_buffer encode_entry(const outbox_entry& e) {
  writer w;
  w.u8(version);
  w.str(e.channel);
  w.uv(e.attempts);
  w.sv(e.next_attempt);
  w.sv(e.created);
  w.u8(e.fallback_sent ? 1 : 0);
  w.str(e.n.receiver);
  w.str(e.n.group_key);
  w.lbls(e.n.group_labels);
  w.uv(e.n.alerts.size());
  for (const auto& a : e.n.alerts) put_alert(w, a);
  return std::move(w.out);
}

result<outbox_entry> decode_entry(std::uint64_t id, byte_view bytes) {
  reader r{bytes};
  if (!versioned(r)) return corruption("notify outbox: entry " + std::to_string(id) + ": unknown version");
  outbox_entry e;
  e.id = id;
  e.channel = r.str();
  e.attempts = static_cast<std::uint32_t>(r.uv());
  e.next_attempt = r.sv();
  e.created = r.sv();
  e.fallback_sent = (r.u8() & 1) != 0;
  e.n.receiver = r.str();
  e.n.group_key = r.str();
  e.n.group_labels = r.lbls();
  std::size_t n = r.count();
  for (std::size_t i = 0; i < n && r.ok; ++i) e.n.alerts.push_back(get_alert(r));
  VIGIL_TRY(r.finish("entry"));
  return e;
}

byte_buffer encode_group(const group_record& g) {
  writer w;
  w.u8(version);
  w.sv(g.last_sent_at);
  w.uv(g.sent_firing.size());
  for (const auto& l : g.sent_firing) w.lbls(l);
  return std::move(w.out);
}

result<group_record> decode_group(std::string key, byte_view bytes) {
  reader r{bytes};
  if (!versioned(r)) return corruption("notify outbox: group record: unknown version");
  group_record g;
  g.key = std::move(key);
  g.last_sent_at = r.sv();
  std::size_t n = r.count();
  for (std::size_t i = 0; i < n && r.ok; ++i) g.sent_firing.push_back(r.lbls());
  VIGIL_TRY(r.finish("group"));
  return g;
}

byte_buffer encode_silence(const silence& s) {
  writer w;
  w.u8(version);
  w.str(s.id);
  w.uv(s.match.size());
  for (const auto& m : s.match) w.u8(static_cast<std::uint8_t>(m.type())), w.str(m.name()), w.str(m.value());
  w.sv(s.starts_at);
  w.sv(s.ends_at);
  w.str(s.created_by);
  w.str(s.comment);
  return std::move(w.out);
}

result<silence> decode_silence(byte_view bytes) {
  reader r{bytes};
  if (!versioned(r)) return corruption("notify outbox: silence: unknown version");
  silence s;
  s.id = r.str();
  std::size_t n = r.count();
  for (std::size_t i = 0; i < n && r.ok; ++i) {
    auto type = r.u8();
    auto name = r.str();
    auto value = r.str();
    auto m = matcher::make(static_cast<match_type>(type & 3), std::move(name), std::move(value));
    if (!m) return corruption("notify outbox: silence " + s.id + ": " + m.error().message());
    s.match.push_back(std::move(*m));
  }
  s.starts_at = r.sv();
  s.ends_at = r.sv();
  s.created_by = r.str();
  s.comment = r.str();
  VIGIL_TRY(r.finish("silence"));
  return s;
}

byte_buffer encode_flag(const notified_flag& f) {
  writer w;
  w.u8(version);
  w.u8(f.firing ? 1 : 0);
  w.sv(f.at);
  return std::move(w.out);
}

result<notified_flag> decode_flag(byte_view bytes) {
  reader r{bytes};
  if (!versioned(r)) return corruption("notify outbox: notified flag: unknown version");
  notified_flag f;
  f.firing = r.u8() != 0;
  f.at = r.sv();
  VIGIL_TRY(r.finish("notified flag"));
  return f;
}

} // namespace vigil::alert
