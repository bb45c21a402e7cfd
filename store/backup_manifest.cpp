#include "store/backup_manifest.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "store/backup_io.hpp"

namespace vigil::store::backup {

namespace {

constexpr std::string_view magic = "vigil-backup";

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at <= line.size()) {
    const auto sp = line.find(' ', at);
    const auto end = sp == std::string_view::npos ? line.size() : sp;
    out.push_back(line.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

bool to_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool valid_component(std::string_view c) {
  if (c.empty() || c == "." || c == "..") return false;
  for (char ch : c) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                    ch == '.' || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

/// Parses one `env` record's fields after the kind.
bool parse_env(const std::vector<std::string_view>& f, env_entry& e) {
  if (f.size() != 7 || !valid_component(f[1])) return false;
  e.name = f[1];
  if (!to_u64(f[2], e.id.txnid) || !to_u64(f[3], e.id.dev) || !to_u64(f[4], e.id.ino) ||
      !to_u64(f[5], e.id.btime_ns))
    return false;
  if (f[6] == "copied") return true;
  if (!f[6].starts_with("reused:")) return false;
  e.reused_from = f[6].substr(7);
  return is_backup_name(e.reused_from);
}

bool parse_file(const std::vector<std::string_view>& f, file_entry& e) {
  if (f.size() != 5 || !valid_path(f[1]) || !to_u64(f[2], e.size) || !is_hex64(f[3])) return false;
  e.path = f[1];
  e.sha256 = f[3];
  if (f[4] == ".") return true;
  e.origin = f[4];
  return is_backup_name(e.origin);
}

/// Bits of the header records seen so far; all of them are required.
enum header_bit : unsigned { name_bit = 1, created_bit = 2, version_bit = 4, shards_bit = 8, data_dir_bit = 16 };
constexpr unsigned all_required = 31;

/// Applies one header record; `rest` is the line after the kind and a space.
bool parse_header(const std::vector<std::string_view>& f, std::string_view rest, manifest& m, unsigned& seen) {
  const std::string_view kind = f[0];
  std::uint64_t n = 0;
  if (kind == "created") return f.size() == 2; // informative; created_ms rules
  if (kind == "name") {
    seen |= name_bit;
    m.name = rest;
    return is_backup_name(rest);
  }
  if (kind == "created_ms") {
    seen |= created_bit;
    if (f.size() != 2 || !to_u64(f[1], n)) return false;
    m.created_ms = static_cast<std::int64_t>(n);
    return true;
  }
  if (kind == "vigil_version") {
    seen |= version_bit;
    m.vigil_version = rest;
    return !rest.empty();
  }
  if (kind == "shards") {
    seen |= shards_bit;
    if (f.size() != 2 || !to_u64(f[1], n) || n > 1'000'000) return false;
    m.shards = static_cast<std::uint32_t>(n);
    return true;
  }
  if (kind == "data_dir") {
    seen |= data_dir_bit;
    m.data_dir = rest;
    return true;
  }
  return false;
}

/// Applies one record (not the first or the last line) to `m`.
bool parse_record(std::string_view line, manifest& m, unsigned& seen) {
  const auto f = fields(line);
  if (f[0] == "env") {
    m.envs.emplace_back();
    return parse_env(f, m.envs.back());
  }
  if (f[0] == "file") {
    m.files.emplace_back();
    return parse_file(f, m.files.back());
  }
  const auto rest = line.size() > f[0].size() ? line.substr(f[0].size() + 1) : std::string_view{};
  return parse_header(f, rest, m, seen);
}


} // namespace

std::string encode(const manifest& m) {
  std::string out;
  out += std::string(magic) + " " + std::to_string(manifest_version) + "\n";
  out += "name " + m.name + "\n";
  out += "created " + format_rfc3339(m.created_ms) + "\n";
  out += "created_ms " + std::to_string(m.created_ms) + "\n";
  out += "vigil_version " + m.vigil_version + "\n";
  out += "shards " + std::to_string(m.shards) + "\n";
  out += "data_dir " + m.data_dir + "\n";
  for (const auto& e : m.envs) {
    out += "env " + e.name + " " + std::to_string(e.id.txnid) + " " + std::to_string(e.id.dev) + " " +
           std::to_string(e.id.ino) + " " + std::to_string(e.id.btime_ns) + " " +
           (e.reused_from.empty() ? std::string("copied") : "reused:" + e.reused_from) + "\n";
  }
  for (const auto& f : m.files) {
    out += "file " + f.path + " " + std::to_string(f.size) + " " + f.sha256 + " " +
           (f.origin.empty() ? std::string(".") : f.origin) + "\n";
  }
  out += "end " + sha256::of(out) + "\n";
  return out;
}

result<manifest> decode(std::string_view text, const std::string& where) {
  auto bad = [&](std::size_t line_no, const std::string& why) {
    return corruption(where + " line " + std::to_string(line_no) + ": " + why);
  };
  if (text.empty() || text.back() != '\n') return corruption(where + ": truncated (no final line break)");
  const auto last_start = text.rfind('\n', text.size() - 2) + 1; // npos + 1 == 0
  const auto body = text.substr(0, last_start);
  const auto end_fields = fields(text.substr(last_start, text.size() - 1 - last_start));
  std::size_t line_count = 1;
  for (char c : body) line_count += c == '\n' ? 1 : 0;
  if (end_fields.size() != 2 || end_fields[0] != "end") return bad(line_count, "truncated (no 'end' record)");
  if (end_fields[1] != sha256::of(body)) return bad(line_count, "checksum mismatch: the manifest was altered");
  manifest m;
  unsigned seen = 0;
  std::size_t at = 0, line_no = 0;
  while (at < body.size()) {
    const auto nl = body.find('\n', at);
    const auto line = body.substr(at, nl - at);
    at = nl + 1;
    ++line_no;
    if (line_no == 1) {
      const auto f = fields(line);
      if (f.size() != 2 || f[0] != magic) return bad(1, "not a vigil backup manifest");
      if (f[1] != std::to_string(manifest_version))
        return invalid_argument(where + ": unsupported manifest version " + std::string(f[1]));
      continue;
    }
    if (!parse_record(line, m, seen)) return bad(line_no, "malformed record '" + std::string(line) + "'");
  }
  if (seen != all_required) return corruption(where + ": a required record is missing");
  return m;
}

bool valid_path(std::string_view path) {
  std::size_t at = 0;
  for (;;) {
    const auto slash = path.find('/', at);
    if (!valid_component(path.substr(at, slash - at))) return false;
    if (slash == std::string_view::npos) return true;
    at = slash + 1;
  }
}

std::string format_rfc3339(std::int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

std::string backup_name(std::int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d%02d%02dT%02d%02d%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

bool is_backup_name(std::string_view s) {
  // YYYYMMDDTHHMMSS.mmmZ
  if (s.size() != 20 || s[8] != 'T' || s[15] != '.' || s[19] != 'Z') return false;
  for (std::size_t i = 0; i < 19; ++i) {
    if (i == 8 || i == 15) continue;
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

} // namespace vigil::store::backup
