#include "alert/rule_codec.hpp"

#include <bit>
#include <cstring>
#include <map>

#include "store/varint.hpp"

namespace vigil::alert {

namespace {

using bytes_out = std::vector<std::uint8_t>;

void put_string(bytes_out& out, std::string_view s) {
  store::append_uvarint(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

void put_f64(bytes_out& out, double v) {
  auto u = std::bit_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(u >> (8 * i)));
}

void put_pairs(bytes_out& out, const labels& l) {
  store::append_uvarint(out, l.size());
  for (const auto& p : l) {
    put_string(out, p.name);
    put_string(out, p.value);
  }
}

/// Bounds-checked reads; the first failure sticks (check ok() at the end).
class reader {
public:
  explicit reader(std::string_view b)
    : in_(reinterpret_cast<const std::uint8_t*>(b.data()), b.size()) {}

  bool ok() const noexcept { return ok_; }
  bool at_end() const noexcept { return pos_ == in_.size(); }

  std::uint8_t u8() {
    if (!ok_ || pos_ >= in_.size()) return fail();
    return in_[pos_++];
  }
  std::uint64_t uvarint() {
    std::uint64_t v = 0;
    if (ok_ && !store::read_uvarint(in_, &pos_, &v)) fail();
    return ok_ ? v : 0;
  }
  std::int64_t varint() { return store::zigzag_decode(uvarint()); }
  std::string str() {
    auto n = uvarint();
    if (!ok_ || n > in_.size() - pos_) return fail(), std::string{};
    std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  double f64() {
    if (!ok_ || in_.size() - pos_ < 8) return fail();
    std::uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u |= std::uint64_t{in_[pos_ + i]} << (8 * i);
    pos_ += 8;
    return std::bit_cast<double>(u);
  }
  /// A count of items that each take at least one byte (guards allocations).
  std::size_t count() {
    auto n = uvarint();
    if (n > in_.size() - pos_) return fail(), 0;
    return n;
  }
  labels pairs() {
    std::vector<label> v(count());
    for (auto& p : v) {
      p.name = str();
      p.value = str();
    }
    return labels(std::move(v));
  }

private:
  std::uint8_t fail() {
    ok_ = false;
    return 0;
  }
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

status bad(std::string_view what, const char* why) {
  return corruption(std::string(what) + ": " + why);
}

void put_rule(bytes_out& out, const rule& r) {
  out.push_back(r.is_alert() ? 0 : 1);
  store::append_uvarint(out, static_cast<std::uint64_t>(r.line));
  if (r.is_alert()) {
    const auto& a = r.alert();
    put_string(out, a.name);
    put_string(out, a.expr);
    store::append_varint(out, a.for_ms);
    store::append_varint(out, a.keep_firing_for_ms);
    put_pairs(out, a.extra_labels);
    store::append_uvarint(out, a.annotations.size());
    for (const auto& [k, v] : a.annotations) {
      put_string(out, k);
      put_string(out, v);
    }
    return;
  }
  const auto& rec = r.recording();
  put_string(out, rec.record);
  put_string(out, rec.expr);
  put_pairs(out, rec.extra_labels);
}

rule read_rule(reader& in) {
  rule r;
  auto kind = in.u8();
  r.line = static_cast<int>(in.uvarint());
  if (kind == 1) {
    recording_rule rec;
    rec.record = in.str();
    rec.expr = in.str();
    rec.extra_labels = in.pairs();
    r.def = std::move(rec);
    return r;
  }
  alerting_rule a;
  a.name = in.str();
  a.expr = in.str();
  a.for_ms = in.varint();
  a.keep_firing_for_ms = in.varint();
  a.extra_labels = in.pairs();
  a.annotations.resize(in.count());
  for (auto& [k, v] : a.annotations) {
    k = in.str();
    v = in.str();
  }
  r.def = std::move(a);
  return r;
}

void put_instance(bytes_out& out, const alert_instance& a) {
  put_pairs(out, a.lbls);
  out.push_back(static_cast<std::uint8_t>(a.state));
  put_f64(out, a.value);
  for (auto t : {a.active_at, a.fired_at, a.resolved_at, a.last_seen, a.keep_firing_since})
    store::append_varint(out, t);
}

alert_instance read_instance(reader& in) {
  alert_instance a;
  a.lbls = in.pairs();
  auto st = in.u8();
  a.state = st <= 2 ? static_cast<alert_state>(st) : alert_state::inactive;
  a.value = in.f64();
  for (auto* t : {&a.active_at, &a.fired_at, &a.resolved_at, &a.last_seen, &a.keep_firing_since})
    *t = in.varint();
  return a;
}

} // namespace

std::vector<rule_key> rule_keys(const rule_group& g) {
  std::vector<rule_key> out;
  std::map<std::string, std::uint32_t> seen;
  for (const auto& r : g.rules) out.push_back({r.name(), seen[r.name()]++});
  return out;
}

void encode_group(const stored_group& g, std::vector<std::uint8_t>& out) {
  out.push_back(rule_codec_version);
  put_string(out, g.group.name);
  store::append_varint(out, g.group.interval_ms);
  store::append_uvarint(out, g.group.limit);
  store::append_uvarint(out, static_cast<std::uint64_t>(g.group.line));
  store::append_uvarint(out, g.group.rules.size());
  for (const auto& r : g.group.rules) put_rule(out, r);
  put_string(out, g.source);
}

result<stored_group> decode_group(std::string_view bytes, std::string_view what) {
  reader in(bytes);
  if (in.u8() != rule_codec_version) return bad(what, "unknown rule group version");
  stored_group g;
  g.group.name = in.str();
  g.group.interval_ms = in.varint();
  g.group.limit = static_cast<std::uint32_t>(in.uvarint());
  g.group.line = static_cast<int>(in.uvarint());
  g.group.rules.resize(in.count());
  for (auto& r : g.group.rules) r = read_rule(in);
  g.source = in.str();
  if (!in.ok() || !in.at_end()) return bad(what, "truncated or overlong rule group");
  return g;
}

void encode_rule_state(const rule_state& s, std::vector<std::uint8_t>& out) {
  out.push_back(rule_codec_version);
  store::append_varint(out, s.last_evaluation);
  store::append_uvarint(out, s.alerts.size());
  for (const auto& a : s.alerts) put_instance(out, a);
}

result<rule_state> decode_rule_state(std::string_view bytes, std::string_view what) {
  reader in(bytes);
  if (in.u8() != rule_codec_version) return bad(what, "unknown rule state version");
  rule_state s;
  s.last_evaluation = in.varint();
  s.alerts.resize(in.count());
  for (auto& a : s.alerts) a = read_instance(in);
  if (!in.ok() || !in.at_end()) return bad(what, "truncated or overlong rule state");
  return s;
}

} // namespace vigil::alert
