// actors/node.hpp - the node supervisor: spawns and monitors the local shard
// actors, the router and the query service; respawns a crashed child (with
// backoff for shards); merges shards served by peer nodes into the shard
// table and tells the router and query service about every change.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/defaults.hpp"
#include "actors/interfaces.hpp"
#include "actors/query_actor.hpp"
#include "actors/notifier_actor.hpp"
#include "actors/rules_supervisor.hpp"
#include "store/shard.hpp"

namespace vigil {

struct node_options {
  std::string data_dir = "data";
  std::uint32_t shard_count = 8;
  /// Shards this node serves itself; empty means all.
  std::vector<std::uint32_t> local_shards;
  store::fsync_policy sync = store::fsync_policy::always;
  std::chrono::milliseconds sync_interval{1000};
  std::uint64_t map_size = std::uint64_t{64} << 30;
  /// Late samples older than this are rejected; 0: any age is accepted.
  std::chrono::milliseconds out_of_order_window{0};
  /// Cardinality limits for the whole node (0: none); each shard enforces
  /// its share, ceil(1.25 * limit / shard_count) + 1 (as Mimir divides a
  /// global limit among ingesters, with slack for uneven hashing).
  std::uint64_t max_series_per_metric = 0;
  std::uint64_t max_series_per_service = 0;
  std::string service_label = "job";
  /// Encryption at rest of every shard (storage.encryption.key_file, loaded
  /// by the caller); empty: shards are not encrypted.
  std::optional<store::encryption_key> encryption;
  /// What each shard's retention actor deletes, and how often it runs.
  store::retention_policy retention;
  std::chrono::milliseconds retention_interval{3'600'000};
  /// The cold tier of every shard (storage.cold); cold.dir is the root
  /// (empty: each shard's own directory), see cold_dir().
  store::cold_options cold;
  /// store::shard_options::compact_min_bytes (storage.compact_min_mb).
  std::uint64_t compact_min_bytes = std::uint64_t{64} << 20;
  /// Run shards on their own threads (production). Off under the test
  /// coordinator, which drives every actor itself.
  bool detached_shards = true;
  std::chrono::milliseconds ingest_timeout = defaults::ingest_timeout;
  query_settings query;
  /// Alerting rules; rules.dir empty: data_dir/alerts. The node fills in
  /// the router and query service handles.
  rules_options rules;
  /// Notifications; notify.dir empty: data_dir/notify. Channels run
  /// detached when detached_shards is set.
  notifier_options notify;

  bool is_local(std::uint32_t id) const;
  /// data_dir/shard-NNN
  std::string shard_dir(std::uint32_t id) const;
  /// cold.dir/shard-NNN, or data_dir/shard-NNN/cold when cold.dir is empty
  std::string cold_dir(std::uint32_t id) const;
};

struct node_state {
  node_options opts;
  shard_table table;
  std::vector<std::chrono::milliseconds> backoff; ///< per local shard
  router_actor router;
  query_service_actor queries;
  rules_supervisor_actor rules;
  notifier_actor notifier;
  static inline const char* name = "vigil.node";
};

node_actor::behavior_type node_impl(node_actor::stateful_pointer<node_state> self,
                                    node_options opts);

} // namespace vigil
