#include "cli/config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <yaml-cpp/yaml.h>

#include "actors/type_ids.hpp"
#include "alert/notify_config.hpp"
#include "api/request_params.hpp"
#include "store/shard.hpp"

namespace vigil::cli {

result<endpoint> parse_endpoint(std::string_view s) {
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return invalid_argument("expected host:port, got '" + std::string(s) + "'");
  auto host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto ps = s.substr(colon + 1);
  auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
  if (ec != std::errc{} || p != ps.data() + ps.size() || port > 65535)
    return invalid_argument("invalid port in '" + std::string(s) + "'");
  return endpoint{std::string(host), static_cast<std::uint16_t>(port)};
}

result<std::vector<std::uint32_t>> parse_shard_list(std::string_view s, std::uint32_t count) {
  std::vector<std::uint32_t> out;
  while (!s.empty()) {
    auto comma = s.find(',');
    auto item = s.substr(0, comma);
    s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
    unsigned lo = 0, hi = 0;
    auto dash = item.find('-');
    auto num = [](std::string_view v, unsigned& x) {
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
      return ec == std::errc{} && p == v.data() + v.size();
    };
    bool ok = dash == std::string_view::npos ? num(item, lo) && num(item, hi)
                                             : num(item.substr(0, dash), lo) && num(item.substr(dash + 1), hi);
    if (!ok || lo > hi || hi >= count)
      return invalid_argument("invalid shard range '" + std::string(item) + "' (shards are 0-" +
                              std::to_string(count - 1) + ")");
    for (unsigned i = lo; i <= hi; ++i) out.push_back(i);
  }
  return out;
}

namespace {

constexpr const char* cluster_needs_count =
  "storage.shards: set a number on a cluster node (cluster.listen, peers or local_shards): every node must "
  "place series by the same shard count, and 'auto' follows each machine's cores";

/// Reads `node[key]` into `out` when present; errors name "section.key".
template <class T>
status read(const YAML::Node& sec, const char* section, const char* key, T& out) {
  auto n = sec[key];
  if (!n || n.IsNull()) return status::ok();
  try {
    out = n.as<T>();
  } catch (const YAML::Exception&) {
    return invalid_argument(std::string(section) + "." + key + ": invalid value '" +
                            YAML::Dump(n) + "'");
  }
  return status::ok();
}

status read_duration(const YAML::Node& sec, const char* section, const char* key,
                     std::chrono::milliseconds& out, bool allow_zero = false) {
  std::string s;
  VIGIL_TRY(read(sec, section, key, s));
  if (s.empty()) return status::ok();
  if (allow_zero && (s == "0" || s == "0s")) {
    out = std::chrono::milliseconds(0);
    return status::ok();
  }
  auto d = api::parse_duration_param(s);
  if (!d || *d <= 0)
    return invalid_argument(std::string(section) + "." + key + ": invalid duration '" + s + "'");
  out = std::chrono::milliseconds(*d);
  return status::ok();
}

/// The `rules:` section: rule files loaded at start, evaluation timeout.
status apply_rules(const YAML::Node& r, vigil_config& c) {
  if (!r) return status::ok();
  VIGIL_TRY(read(r, "rules", "files", c.node.rules.files));
  return read_duration(r, "rules", "evaluation_timeout", c.node.rules.group.eval_timeout);
}

/// The `retention:` section: a default and rules by selector, e.g.
///   retention: {default: 30d, rules: [{match: '{tier="critical"}', keep: 1y}]}
/// A file's `rules:` replace the defaults' as a whole.
status apply_retention(const YAML::Node& r, vigil_config& c) {
  if (!r) return status::ok();
  if (!r.IsMap()) return invalid_argument("retention: expected a mapping");
  std::chrono::milliseconds d{-1};
  VIGIL_TRY(read_duration(r, "retention", "default", d, true));
  if (d.count() >= 0) c.node.retention.default_keep_ms = d.count();
  VIGIL_TRY(read_duration(r, "retention", "interval", c.node.retention_interval));
  if (auto rules = r["rules"]) {
    if (!rules.IsSequence()) return invalid_argument("retention.rules: expected a list of {match, keep}");
    c.node.retention.rules.clear();
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const auto where = "retention.rules[" + std::to_string(i) + "]";
      std::string match;
      VIGIL_TRY(read(rules[i], where.c_str(), "match", match));
      auto ms = api::parse_series_selector(match);
      if (!ms) return invalid_argument(where + ".match: " + ms.error().message());
      std::chrono::milliseconds keep{-1};
      VIGIL_TRY(read_duration(rules[i], where.c_str(), "keep", keep, true));
      if (keep.count() < 0) return invalid_argument(where + ": 'keep' is required (0s: forever)");
      c.node.retention.rules.push_back({std::move(*ms), keep.count()});
    }
  }
  return status::ok();
}

/// The `downsampling:` section, e.g.
///   downsampling: {resolutions: [{resolution: 5m, after: 40h}, {resolution: 1h, after: 10d}]}
/// `enabled: false` (or an empty list) turns rollups off; a file's
/// `resolutions:` replace the defaults' as a whole.
status apply_downsampling(const YAML::Node& d, vigil_config& c) {
  if (!d) return status::ok();
  if (!d.IsMap()) return invalid_argument("downsampling: expected a mapping");
  auto& cfg = c.node.retention.rollups;
  if (auto list = d["resolutions"]) {
    if (!list.IsSequence() && !list.IsNull())
      return invalid_argument("downsampling.resolutions: expected a list of {resolution, after}");
    cfg.resolutions.clear();
    for (std::size_t i = 0; list.IsSequence() && i < list.size(); ++i) {
      const auto where = "downsampling.resolutions[" + std::to_string(i) + "]";
      std::chrono::milliseconds res{0}, after{0};
      VIGIL_TRY(read_duration(list[i], where.c_str(), "resolution", res));
      VIGIL_TRY(read_duration(list[i], where.c_str(), "after", after));
      if (res.count() <= 0 || after.count() <= 0)
        return invalid_argument(where + ": 'resolution' and 'after' are required");
      cfg.resolutions.push_back({res.count(), after.count()});
    }
  }
  bool enabled = true;
  VIGIL_TRY(read(d, "downsampling", "enabled", enabled));
  if (!enabled) cfg.resolutions.clear();
  VIGIL_TRY(read(d, "downsampling", "serve_queries", cfg.serve_queries));
  return cfg.validate();
}

status apply(const YAML::Node& root, vigil_config& c) {
  if (!root || root.IsNull()) return status::ok();
  if (!root.IsMap()) return invalid_argument("configuration must be a YAML mapping");
  if (auto h = root["http"]) {
    std::string listen;
    VIGIL_TRY(read(h, "http", "listen", listen));
    if (!listen.empty()) {
      auto ep = parse_endpoint(listen);
      if (!ep) return invalid_argument("http.listen: " + ep.error().message());
      c.http.host = ep->host;
      c.http.port = ep->port;
    }
    VIGIL_TRY(read(h, "http", "threads", c.http.threads));
    VIGIL_TRY(read(h, "http", "max_body_bytes", c.http.max_body_bytes));
  }
  if (auto s = root["storage"]) {
    VIGIL_TRY(read(s, "storage", "data_dir", c.node.data_dir));
    if (auto n = s["shards"]; n && n.IsScalar() && n.Scalar() == "auto") {
      c.node.shard_count = 0; // resolve_shard_count() decides, from the data directory
    } else if (n && !n.IsNull()) {
      VIGIL_TRY(read(s, "storage", "shards", c.node.shard_count));
      if (c.node.shard_count == 0 || c.node.shard_count > 4096)
        return invalid_argument("storage.shards: must be 'auto' or between 1 and 4096");
    }
    std::string fsync;
    VIGIL_TRY(read(s, "storage", "fsync", fsync));
    if (fsync == "always") c.node.sync = store::fsync_policy::always;
    else if (fsync == "never") c.node.sync = store::fsync_policy::never;
    else if (!fsync.empty()) return invalid_argument("storage.fsync: expected 'always' or 'never', got '" + fsync + "'");
    VIGIL_TRY(read_duration(s, "storage", "sync_interval", c.node.sync_interval));
    std::uint64_t gb = 0;
    VIGIL_TRY(read(s, "storage", "map_size_gb", gb));
    if (gb > 0) c.node.map_size = gb << 30;
    VIGIL_TRY(read_duration(s, "storage", "out_of_order_window", c.node.out_of_order_window, true));
    std::uint64_t compact_mb = c.node.compact_min_bytes >> 20;
    VIGIL_TRY(read(s, "storage", "compact_min_mb", compact_mb));
    c.node.compact_min_bytes = compact_mb << 20;
    if (auto cold = s["cold"]; cold && !cold.IsNull()) {
      if (!cold.IsMap()) return invalid_argument("storage.cold: expected a mapping {after, dir, every}");
      for (const auto& kv : cold) {
        const auto k = kv.first.as<std::string>();
        if (k != "after" && k != "dir" && k != "every" && k != "max_segment_mb")
          return invalid_argument("storage.cold." + k + ": unknown key (expected after, dir, every, max_segment_mb)");
      }
      std::chrono::milliseconds after{c.node.cold.after_ms}, every{c.node.cold.every_ms};
      VIGIL_TRY(read_duration(cold, "storage.cold", "after", after, true));
      VIGIL_TRY(read_duration(cold, "storage.cold", "every", every));
      c.node.cold.after_ms = after.count();
      c.node.cold.every_ms = every.count();
      VIGIL_TRY(read(cold, "storage.cold", "dir", c.node.cold.dir));
      std::uint64_t mb = c.node.cold.max_segment_bytes >> 20;
      VIGIL_TRY(read(cold, "storage.cold", "max_segment_mb", mb));
      if (mb == 0) return invalid_argument("storage.cold.max_segment_mb: must be at least 1");
      c.node.cold.max_segment_bytes = mb << 20;
    }
    if (auto e = s["encryption"]; e && !e.IsNull()) {
      if (!e.IsMap()) return invalid_argument("storage.encryption: expected a mapping {key_file: PATH}");
      for (const auto& kv : e)
        if (kv.first.as<std::string>() != "key_file")
          return invalid_argument("storage.encryption." + kv.first.as<std::string>() +
                                  ": unknown key (expected key_file)");
      VIGIL_TRY(read(e, "storage.encryption", "key_file", c.encryption_key_file));
      if (c.encryption_key_file.empty())
        return invalid_argument("storage.encryption.key_file: required (a file of 32 raw bytes or 64 hex digits)");
    }
  }
  if (auto i = root["ingest"]) VIGIL_TRY(read_duration(i, "ingest", "timeout", c.node.ingest_timeout));
  if (auto q = root["query"]) {
    VIGIL_TRY(read_duration(q, "query", "timeout", c.node.query.timeout));
    std::chrono::milliseconds lookback{c.node.query.eval.lookback_delta};
    VIGIL_TRY(read_duration(q, "query", "lookback_delta", lookback));
    c.node.query.eval.lookback_delta = lookback.count();
    VIGIL_TRY(read(q, "query", "max_samples", c.node.query.eval.max_samples));
    VIGIL_TRY(read(q, "query", "max_concurrency", c.node.query.max_concurrency));
    if (c.node.query.max_concurrency == 0) return invalid_argument("query.max_concurrency: must be at least 1");
    VIGIL_TRY(read(q, "query", "max_queued", c.node.query.max_queued));
    VIGIL_TRY(read(q, "query", "pushdown", c.node.query.eval.pushdown));
    VIGIL_TRY(read(q, "query", "cache_max_bytes", c.node.query.cache.max_bytes));
    std::chrono::milliseconds fresh{c.node.query.cache.freshness};
    VIGIL_TRY(read_duration(q, "query", "cache_freshness", fresh));
    c.node.query.cache.freshness = fresh.count();
  }
  if (auto cl = root["cluster"]) {
    std::string listen, local;
    VIGIL_TRY(read(cl, "cluster", "listen", listen));
    if (!listen.empty()) {
      auto ep = parse_endpoint(listen);
      if (!ep) return invalid_argument("cluster.listen: " + ep.error().message());
      c.cluster_listen = *ep;
    }
    VIGIL_TRY(read(cl, "cluster", "local_shards", local));
    if (!local.empty()) {
      if (c.node.shard_count == 0) return invalid_argument(cluster_needs_count);
      auto ids = parse_shard_list(local, c.node.shard_count);
      if (!ids) return invalid_argument("cluster.local_shards: " + ids.error().message());
      c.node.local_shards = std::move(*ids);
    }
    std::vector<std::string> peers;
    VIGIL_TRY(read(cl, "cluster", "peers", peers));
    c.peers.clear();
    for (const auto& p : peers) {
      auto ep = parse_endpoint(p);
      if (!ep) return invalid_argument("cluster.peers: " + ep.error().message());
      c.peers.push_back(*ep);
    }
  }
  if (auto r = root["runtime"]) VIGIL_TRY(read(r, "runtime", "scheduler_threads", c.scheduler_threads));
  VIGIL_TRY(apply_rules(root["rules"], c));
  VIGIL_TRY(apply_retention(root["retention"], c));
  VIGIL_TRY(apply_downsampling(root["downsampling"], c));
  if (auto l = root["limits"]) {
    VIGIL_TRY(read(l, "limits", "max_series_per_metric", c.node.max_series_per_metric));
    VIGIL_TRY(read(l, "limits", "max_series_per_service", c.node.max_series_per_service));
    VIGIL_TRY(read(l, "limits", "service_label", c.node.service_label));
    VIGIL_TRY(read(l, "limits", "ingest_rate_per_service", c.api.rate_limit.rate));
    VIGIL_TRY(read(l, "limits", "ingest_burst_per_service", c.api.rate_limit.burst));
    if (!(c.api.rate_limit.rate >= 0) || !(c.api.rate_limit.burst >= 0))
      return invalid_argument("limits.ingest_rate_per_service and limits.ingest_burst_per_service must be >= 0 "
                              "(0: no rate limit / one second of the rate)");
  }
  if (auto a = root["alerting"]) {
    // The user's section replaces the defaults' as a whole.
    auto n = alert::parse_notify_config(a);
    if (!n) return n.error();
    c.node.notify.config = std::move(*n);
  }
  return status::ok();
}

} // namespace

result<vigil_config> load_config_file(const std::string& path) {
  std::string text;
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) return io_error("cannot read config file '" + path + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  return load_config(text);
}

result<vigil_config> load_config(const std::string& user_yaml) {
  vigil_config c;
  try {
    {
      auto st = apply(YAML::Load(embedded_defaults()), c);
      if (!st) return invalid_argument("embedded defaults: " + st.message());
    }
    if (!user_yaml.empty()) {
      auto st = apply(YAML::Load(user_yaml), c);
      if (!st) return st;
    }
  } catch (const YAML::Exception& e) {
    return invalid_argument(std::string("invalid YAML: ") + e.what());
  }
  if (c.node.shard_count == 0 && (c.cluster_listen.port != 0 || !c.peers.empty()))
    return invalid_argument(cluster_needs_count);
  c.api.query_timeout = c.node.query.timeout;
  c.api.rate_limit.service_label = c.node.service_label;
  return c;
}

result<std::string> resolve_shard_count(node_options& node) {
  if (node.shard_count != 0) return std::string("storage.shards");
  namespace fs = std::filesystem;
  std::uint32_t dirs = 0; // 1 + the highest shard-NNN holding data
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(node.data_dir, ec)) {
    const std::string name = entry.path().filename().string();
    unsigned id = 0;
    char tail = 0;
    if (name.size() != 9 || std::sscanf(name.c_str(), "shard-%3u%c", &id, &tail) != 1 ||
        !fs::exists(entry.path() / "data.mdb", ec))
      continue;
    store::shard_options so;
    so.dir = entry.path().string();
    so.map_size = node.map_size;
    auto recorded = store::shard::read_recorded_shard_count(so);
    if (!recorded) return std::move(recorded).error();
    if (*recorded != 0) {
      node.shard_count = *recorded;
      return "recorded in " + name;
    }
    dirs = std::max(dirs, id + 1);
  }
  if (dirs != 0) { // written before the count was recorded: as many as there are
    node.shard_count = dirs;
    return std::string("the data directory's shard directories");
  }
  const unsigned cores = std::thread::hardware_concurrency();
  node.shard_count = std::clamp(cores, 1u, max_auto_shards);
  return "a new data directory: one per core (" + std::to_string(cores) + "), at most " +
         std::to_string(max_auto_shards);
}

void apply_to_caf(const vigil_config& c, caf::actor_system_config& cfg) {
  register_types(cfg);
  cfg.set("scheduler.max-threads", c.scheduler_threads);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  // Idle workers go from busy polling to sleeping on their queue at once
  // instead of after 500 polls in 50 us steps (13-30 % of an idle-ish node's
  // CPU in profiles); enqueues still wake them.
  cfg.set("work-stealing.moderate-poll-attempts", std::size_t{1});
  // Detect dead or hung peers in bounded time (both sides must agree).
  cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds(500)});
  cfg.set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(5)});
  cfg.load<caf::io::middleman>();
}

} // namespace vigil::cli
