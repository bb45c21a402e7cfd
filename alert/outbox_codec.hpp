// alert/outbox_codec.hpp - byte encodings of what the notification outbox
// persists (see alert/outbox.hpp for the sub-databases). Every value starts
// with a version byte (1); decoders reject other versions and truncated or
// trailing bytes with errc::corruption naming the record kind.
//
// Layout (uv = unsigned LEB128 varint, sv = zig-zag varint, str = uv length
// + bytes, labels = uv count + count * (str name, str value)):
//   entry:   01 | str channel | uv attempts | sv next_attempt | sv created |
//            u8 flags (bit0 fallback_sent) | notification
//   notification: str receiver | str group_key | labels group_labels |
//            uv n | n * alert
//   alert:   labels | uv k | k * (str, str) annotations | u8 firing |
//            sv starts_at | sv ends_at | 8 bytes value (IEEE 754, LE)
//   group:   01 | sv last_sent_at | uv n | n * labels
//   silence: 01 | str id | uv n | n * (u8 match_type, str name, str value) |
//            sv starts_at | sv ends_at | str created_by | str comment
//   notified flag: 01 | u8 firing | sv at
//
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "alert/dispatcher.hpp"
#include "alert/routing.hpp"
#include "core/status.hpp"

namespace vigil::alert {

/// One notification waiting for (or retrying) delivery to one channel.
struct outbox_entry {
  std::uint64_t id = 0;            ///< outbox key; assigned by outbox::enqueue
  std::string channel;
  notification n;
  std::uint32_t attempts = 0;      ///< failed attempts so far
  timestamp_ms next_attempt = 0;   ///< not before this time
  timestamp_ms created = 0;
  bool fallback_sent = false;      ///< a copy was enqueued to the channel's fallback
};

/// Whether (and when) an alert's current state reached a channel: the
/// design document's per-alert `notified` flag.
struct notified_flag {
  bool firing = true;  ///< the state that was delivered
  timestamp_ms at = 0; ///< when the delivery succeeded
};

using byte_buffer = std::vector<std::uint8_t>;
using byte_view = std::span<const std::uint8_t>;

byte_buffer encode_entry(const outbox_entry& e);
/// `id` is the key the record was stored under.
result<outbox_entry> decode_entry(std::uint64_t id, byte_view bytes);

byte_buffer encode_group(const group_record& g);
result<group_record> decode_group(std::string key, byte_view bytes);

byte_buffer encode_silence(const silence& s);
result<silence> decode_silence(byte_view bytes);

byte_buffer encode_flag(const notified_flag& f);
result<notified_flag> decode_flag(byte_view bytes);

} // namespace vigil::alert
