// cli/config.hpp - vigil's configuration: the embedded defaults
// (configs/vigil.yaml) overlaid by a user file and command-line flags.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/node.hpp"
#include "api/http_server.hpp"
#include "api/routes.hpp"
#include "core/status.hpp"

namespace caf {
class actor_system_config;
}

namespace vigil::cli {

struct endpoint {
  std::string host;
  std::uint16_t port = 0;
};

struct vigil_config {
  api::http_options http;
  api::api_settings api;
  node_options node;
  endpoint cluster_listen;       ///< port 0: not published
  std::vector<endpoint> peers;
  int scheduler_threads = 2;
  /// storage.encryption.key_file (empty: no encryption at rest). `vigil
  /// serve` reads the key into node.encryption before it starts the node.
  std::string encryption_key_file;
};

/// The text of configs/vigil.yaml as compiled into the binary.
const char* embedded_defaults();

/// Parses "host:port" ("[::1]:9201" for IPv6); invalid_argument otherwise.
result<endpoint> parse_endpoint(std::string_view s);

/// Parses "0-3,5" into shard ids below `count`.
result<std::vector<std::uint32_t>> parse_shard_list(std::string_view s, std::uint32_t count);

/// Loads the embedded defaults, then overlays `user_yaml` (may be empty).
/// Errors name the key: "storage.shards: expected a positive integer".
result<vigil_config> load_config(const std::string& user_yaml);
/// load_config() of the file at `path` (empty: the defaults alone);
/// io_error naming the file when it cannot be read.
result<vigil_config> load_config_file(const std::string& path);

/// storage.shards: 'auto' (node.shard_count 0) becomes the count recorded
/// in the data directory's shards, else (a directory written before counts
/// were recorded) the number of its shard directories, else (a new one) one
/// shard per core, at most max_auto_shards: on a small machine fewer LMDB
/// environments mean fewer commits (and fsyncs) per write and fewer reads
/// per query. Returns where the count came from (for the start-up line); a
/// set count is kept.
result<std::string> resolve_shard_count(node_options& node);
inline constexpr unsigned max_auto_shards = 8;

/// Applies vigil's settings to a CAF config and registers message types.
void apply_to_caf(const vigil_config& c, caf::actor_system_config& cfg);

} // namespace vigil::cli
