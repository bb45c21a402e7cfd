#include "store/cold_segment.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>

#include "store/compress.hpp"
#include "store/keys.hpp"

namespace vigil::store {

namespace {

constexpr std::uint8_t magic[8] = {'V', 'G', 'L', 'C', 'O', 'L', 'D', 0};
constexpr std::uint8_t flag_encrypted = 1;

void put_u32_be(std::uint8_t* out, std::uint32_t v) noexcept {
  for (int i = 3; i >= 0; --i, v >>= 8) out[i] = static_cast<std::uint8_t>(v);
}
std::uint32_t get_u32_be(const std::uint8_t* in) noexcept {
  return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) | in[3];
}
std::uint32_t crc(std::span<const std::uint8_t> b, std::uint32_t init = 0) noexcept {
  return static_cast<std::uint32_t>(::crc32_z(init, b.data(), b.size()));
}
std::array<std::uint8_t, 12> block_aad(std::uint64_t seq, std::uint32_t block) noexcept {
  std::array<std::uint8_t, 12> a{};
  put_u64_be(a.data(), seq);
  put_u32_be(a.data() + 8, block);
  return a;
}
status errno_status(const char* what, const std::string& path) {
  return io_error(std::string(what) + " " + path + ": " + std::strerror(errno));
}

} // namespace

std::string cold_segment_name(std::uint64_t seq, timestamp_ms min_t, timestamp_ms max_t) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "seg-%016" PRIx64 "-%" PRId64 "-%" PRId64 ".vcs", seq, min_t, max_t);
  return buf;
}

bool cold_parse_records(std::span<const std::uint8_t> data, std::uint32_t n, std::vector<cold_record>& out) {
  std::size_t pos = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (data.size() - pos < 12) return false;
    const timestamp_ms start = decode_time(get_u64_be(data.data() + pos));
    const std::uint32_t len = get_u32_be(data.data() + pos + 8);
    pos += 12;
    if (data.size() - pos < len) return false;
    out.push_back({start, data.subspan(pos, len)});
    pos += len;
  }
  return pos == data.size();
}

// ---------------------------------------------------------------- writer

cold_segment_writer::cold_segment_writer(std::string dir, std::uint64_t seq, const cipher* crypt, int fd)
    : dir_(std::move(dir)), seq_(seq), crypt_(crypt), fd_(fd) {}

result<std::unique_ptr<cold_segment_writer>> cold_segment_writer::create(const std::string& dir,
                                                                         std::uint64_t seq,
                                                                         const cipher* crypt) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error("create cold directory " + dir + ": " + ec.message());
  char name[64];
  std::snprintf(name, sizeof name, "seg-%016" PRIx64 ".tmp", seq);
  const std::string tmp = dir + "/" + name;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return errno_status("create", tmp);
  std::unique_ptr<cold_segment_writer> w(new cold_segment_writer(dir, seq, crypt, fd));
  w->tmp_ = tmp;
  std::uint8_t h[cold_header_bytes] = {};
  std::memcpy(h, magic, 8);
  h[8] = cold_format_version;
  h[9] = crypt ? flag_encrypted : 0;
  put_u64_be(h + 16, seq);
  VIGIL_TRY(w->write_all(h));
  return w;
}

cold_segment_writer::~cold_segment_writer() {
  if (fd_ >= 0) ::close(fd_);
  if (!finished_ && !tmp_.empty()) ::unlink(tmp_.c_str());
}

status cold_segment_writer::write_all(std::span<const std::uint8_t> b) {
  while (!b.empty()) {
    const ssize_t n = ::write(fd_, b.data(), b.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status("write", tmp_);
    }
    b = b.subspan(static_cast<std::size_t>(n));
    file_off_ += static_cast<std::uint64_t>(n);
  }
  return status::ok();
}

std::uint64_t cold_segment_writer::bytes() const noexcept { return file_off_ + raw_.size(); }

status cold_segment_writer::flush_block() {
  if (raw_.empty()) return status::ok();
  frame_.clear();
  compress(raw_, frame_, cold_lz4hc_level);
  const auto index = static_cast<std::uint32_t>(blocks_.size());
  std::span<const std::uint8_t> stored = frame_;
  if (crypt_) {
    stored_.clear();
    const auto aad = block_aad(seq_, index);
    VIGIL_TRY(crypt_->encrypt_append(crypt_domain::cold, aad, frame_, stored_));
    stored = stored_;
  }
  blocks_.push_back({file_off_, static_cast<std::uint32_t>(stored.size()), static_cast<std::uint32_t>(raw_.size()),
                     crc(stored)});
  raw_.clear();
  VIGIL_TRY(write_all(stored));
  // Flush as we go, so that finish()'s fsync (inside one step of the shard's
  // owner, which holds up its writes) has little left to do.
  if (file_off_ - synced_ >= cold_sync_bytes) {
    if (::fdatasync(fd_) != 0) return errno_status("fdatasync", tmp_);
    synced_ = file_off_;
  }
  return status::ok();
}

status cold_segment_writer::add(series_ref ref, std::span<const cold_record> records) {
  if (records.empty()) return status::ok();
  if (raw_.size() >= cold_block_bytes) VIGIL_TRY(flush_block());
  entry e{ref, records.front().start, std::numeric_limits<timestamp_ms>::min(),
          static_cast<std::uint32_t>(blocks_.size()), static_cast<std::uint32_t>(raw_.size()), 0,
          static_cast<std::uint32_t>(records.size())};
  for (const auto& r : records) {
    std::uint8_t h[12];
    put_u64_be(h, encode_time(r.start));
    put_u32_be(h + 8, static_cast<std::uint32_t>(r.record.size()));
    raw_.insert(raw_.end(), h, h + 12);
    raw_.insert(raw_.end(), r.record.begin(), r.record.end());
    if (r.record.size() >= 10) e.max_t = std::max(e.max_t, decode_time(get_u64_be(r.record.data() + 2)));
  }
  e.length = static_cast<std::uint32_t>(raw_.size() - e.offset);
  entries_.push_back(e);
  records_ += records.size();
  return status::ok();
}

result<cold_segment_info> cold_segment_writer::finish() {
  VIGIL_TRY(flush_block());
  std::vector<std::uint8_t> tables;
  tables.reserve(entries_.size() * cold_series_entry_bytes + blocks_.size() * cold_block_entry_bytes +
                 cold_trailer_bytes);
  timestamp_ms min_t = std::numeric_limits<timestamp_ms>::max(), max_t = std::numeric_limits<timestamp_ms>::min();
  const std::uint64_t series_off = file_off_;
  for (const auto& e : entries_) {
    std::uint8_t b[cold_series_entry_bytes];
    put_u64_be(b, e.ref);
    put_u64_be(b + 8, encode_time(e.min_t));
    put_u64_be(b + 16, encode_time(e.max_t));
    put_u32_be(b + 24, e.block);
    put_u32_be(b + 28, e.offset);
    put_u32_be(b + 32, e.length);
    put_u32_be(b + 36, e.records);
    tables.insert(tables.end(), b, b + sizeof b);
    min_t = std::min(min_t, e.min_t);
    max_t = std::max(max_t, e.max_t);
  }
  const std::uint64_t blocks_off = series_off + tables.size();
  for (const auto& bl : blocks_) {
    std::uint8_t b[cold_block_entry_bytes] = {};
    put_u64_be(b, bl.offset);
    put_u32_be(b + 8, bl.stored);
    put_u32_be(b + 12, bl.raw);
    put_u32_be(b + 16, bl.crc);
    tables.insert(tables.end(), b, b + sizeof b);
  }
  std::uint8_t t[cold_trailer_bytes] = {};
  put_u64_be(t, entries_.size());
  put_u64_be(t + 8, blocks_.size());
  put_u64_be(t + 16, series_off);
  put_u64_be(t + 24, blocks_off);
  put_u64_be(t + 32, encode_time(min_t));
  put_u64_be(t + 40, encode_time(max_t));
  // The header is the first 32 bytes written; recompute it for the checksum.
  std::uint8_t h[cold_header_bytes] = {};
  std::memcpy(h, magic, 8);
  h[8] = cold_format_version;
  h[9] = crypt_ ? flag_encrypted : 0;
  put_u64_be(h + 16, seq_);
  std::uint32_t sum = crc(h);
  sum = crc(tables, sum);
  sum = crc(std::span<const std::uint8_t>(t, 48), sum);
  put_u32_be(t + 48, sum);
  std::memcpy(t + 56, magic, 8);
  tables.insert(tables.end(), t, t + sizeof t);
  VIGIL_TRY(write_all(tables));
  if (::fsync(fd_) != 0) return errno_status("fsync", tmp_);
  ::close(fd_);
  fd_ = -1;
  cold_segment_info info;
  info.seq = seq_;
  info.file = cold_segment_name(seq_, min_t, max_t);
  info.bytes = file_off_;
  info.series = entries_.size();
  info.records = records_;
  info.min_t = min_t;
  info.max_t = max_t;
  const std::string final_path = dir_ + "/" + info.file;
  if (::rename(tmp_.c_str(), final_path.c_str()) != 0) return errno_status("rename", tmp_);
  finished_ = true;
  const int d = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0) return errno_status("open directory", dir_);
  const int rc = ::fsync(d);
  ::close(d);
  if (rc != 0) return errno_status("fsync directory", dir_);
  return info;
}

// ---------------------------------------------------------------- reader

cold_segment::~cold_segment() {
  if (base_) ::munmap(const_cast<std::uint8_t*>(base_), size_);
}

status cold_segment::bad(const std::string& why) const { return corruption("cold segment " + path_ + ": " + why); }

result<std::shared_ptr<const cold_segment>> cold_segment::open(const std::string& dir, const std::string& name,
                                                                const cipher* crypt) {
  std::shared_ptr<cold_segment> s(new cold_segment());
  s->path_ = dir + "/" + name;
  s->name_ = name;
  s->crypt_ = crypt;
  const int fd = ::open(s->path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("open", s->path_);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const auto e = errno_status("stat", s->path_);
    ::close(fd);
    return e;
  }
  s->size_ = static_cast<std::size_t>(st.st_size);
  if (s->size_ < cold_header_bytes + cold_trailer_bytes) {
    ::close(fd);
    return s->bad("truncated (" + std::to_string(s->size_) + " bytes)");
  }
  void* m = ::mmap(nullptr, s->size_, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) return errno_status("mmap", s->path_);
  s->base_ = static_cast<const std::uint8_t*>(m);
  const std::uint8_t* h = s->base_;
  const std::uint8_t* t = s->base_ + s->size_ - cold_trailer_bytes;
  if (std::memcmp(h, magic, 8) != 0 || std::memcmp(t + 56, magic, 8) != 0) return s->bad("not a segment file");
  if (h[8] != cold_format_version) return s->bad("unknown format version " + std::to_string(h[8]));
  s->encrypted_ = (h[9] & flag_encrypted) != 0;
  if (s->encrypted_ && !crypt) return s->bad("encrypted, but the shard has no encryption key");
  if (!s->encrypted_ && crypt) return s->bad("not encrypted, but the shard is");
  s->seq_ = get_u64_be(h + 16);
  s->n_series_ = get_u64_be(t);
  s->n_blocks_ = get_u64_be(t + 8);
  s->series_off_ = get_u64_be(t + 16);
  s->blocks_off_ = get_u64_be(t + 24);
  s->min_t_ = decode_time(get_u64_be(t + 32));
  s->max_t_ = decode_time(get_u64_be(t + 40));
  const std::uint64_t end = s->size_ - cold_trailer_bytes;
  if (s->series_off_ < cold_header_bytes || s->n_series_ > end / cold_series_entry_bytes ||
      s->n_blocks_ > end / cold_block_entry_bytes ||
      s->blocks_off_ != s->series_off_ + s->n_series_ * cold_series_entry_bytes ||
      s->blocks_off_ + s->n_blocks_ * cold_block_entry_bytes != end)
    return s->bad("tables out of bounds");
  std::uint32_t sum = crc({h, cold_header_bytes});
  sum = crc({s->base_ + s->series_off_, static_cast<std::size_t>(end + 48 - s->series_off_)}, sum);
  if (sum != get_u32_be(t + 48)) return s->bad("table checksum mismatch");
  for (std::uint64_t i = 0; i < s->n_blocks_; ++i) {
    const std::uint8_t* b = s->base_ + s->blocks_off_ + i * cold_block_entry_bytes;
    const std::uint64_t off = get_u64_be(b);
    if (off < cold_header_bytes || off + get_u32_be(b + 8) > s->series_off_) return s->bad("block out of bounds");
  }
  return std::shared_ptr<const cold_segment>(std::move(s));
}

cold_segment::entry cold_segment::at(std::uint64_t i) const noexcept {
  const std::uint8_t* b = base_ + series_off_ + i * cold_series_entry_bytes;
  entry e;
  e.ref = get_u64_be(b);
  e.min_t = decode_time(get_u64_be(b + 8));
  e.max_t = decode_time(get_u64_be(b + 16));
  e.block = get_u32_be(b + 24);
  e.offset = get_u32_be(b + 28);
  e.length = get_u32_be(b + 32);
  e.records = get_u32_be(b + 36);
  return e;
}

bool cold_segment::find(series_ref ref, entry* out) const noexcept {
  std::uint64_t lo = 0, hi = n_series_;
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    const series_ref r = get_u64_be(base_ + series_off_ + mid * cold_series_entry_bytes);
    if (r < ref)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == n_series_) return false;
  const entry e = at(lo);
  if (e.ref != ref) return false;
  *out = e;
  return true;
}

status cold_segment::read_block(std::uint32_t i, std::vector<std::uint8_t>& out) const {
  if (i >= n_blocks_) return bad("block " + std::to_string(i) + " out of range");
  const std::uint8_t* b = base_ + blocks_off_ + std::uint64_t{i} * cold_block_entry_bytes;
  const std::span<const std::uint8_t> stored(base_ + get_u64_be(b), get_u32_be(b + 8));
  const std::uint32_t raw = get_u32_be(b + 12);
  if (crc(stored) != get_u32_be(b + 16)) return bad("checksum mismatch in block " + std::to_string(i));
  out.clear();
  std::span<const std::uint8_t> frame = stored;
  thread_local std::vector<std::uint8_t> plain;
  if (encrypted_) {
    plain.clear();
    const auto aad = block_aad(seq_, i);
    if (auto st = crypt_->decrypt(crypt_domain::cold, aad, stored, plain); !st)
      return bad("block " + std::to_string(i) + ": " + st.message());
    frame = plain;
  }
  auto used = decompress(frame, out);
  if (!used || *used != frame.size() || out.size() != raw)
    return bad("block " + std::to_string(i) + " does not decompress");
  return status::ok();
}

} // namespace vigil::store
