// vigil serve: runs one node until SIGTERM/SIGINT.
#include <csignal>
#include <cstdio>
#include <filesystem>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/api_bridge.hpp"
#include "actors/node.hpp"
#include "api/http_server.hpp"
#include "api/routes.hpp"
#include "cli/commands.hpp"
#include "cli/config.hpp"
#include "cluster/peer_actor.hpp"
#include "core/allocator.hpp"
#include "store/dir_lock.hpp"

namespace vigil::cli {

namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "vigil: %s\n", msg.c_str());
  return 1;
}

result<vigil_config> load(const serve_flags& f) {
  auto c = load_config_file(f.config_file);
  if (!c) return c;
  if (!f.data_dir.empty()) c->node.data_dir = f.data_dir;
  if (!f.encryption_key_file.empty()) c->encryption_key_file = f.encryption_key_file;
  if (!c->encryption_key_file.empty()) {
    auto key = store::load_key_file(c->encryption_key_file);
    if (!key) return std::move(key).error();
    c->node.encryption = std::move(*key);
  }
  if (!f.http_listen.empty()) {
    auto ep = parse_endpoint(f.http_listen);
    if (!ep) return invalid_argument("--http-listen: " + ep.error().message());
    c->http.host = ep->host;
    c->http.port = ep->port;
  }
  return c;
}

/// Checks every local shard's encryption state against the configured key
/// (reading only meta), so a missing or wrong key stops the node before it
/// serves anything rather than leaving shards failing and respawning.
status check_shards(const node_options& o) {
  // A shard directory past the configured count: the data was written with
  // more shards (placement is by hash modulo the count).
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(o.data_dir, ec)) {
    const std::string name = entry.path().filename().string();
    unsigned id = 0;
    char tail = 0;
    if (name.size() == 9 && std::sscanf(name.c_str(), "shard-%3u%c", &id, &tail) == 1 && id >= o.shard_count &&
        std::filesystem::exists(entry.path() / "data.mdb", ec)) {
      store::shard_options so; // the count it recorded, when it did, names the one to use
      so.dir = entry.path().string();
      so.shard_count = o.shard_count;
      so.map_size = o.map_size;
      VIGIL_TRY(store::shard::check_shard_count(so));
      return invalid_argument(o.data_dir + " holds " + name + ", but storage.shards is " +
                              std::to_string(o.shard_count) +
                              ": series are placed on shards by a hash of their labels modulo the shard count, so "
                              "this data was written with more shards; start with the count it was written with");
    }
  }
  for (std::uint32_t id = 0; id < o.shard_count; ++id) {
    if (!o.is_local(id)) continue;
    store::shard_options so;
    so.dir = o.shard_dir(id);
    so.shard_count = o.shard_count;
    so.map_size = o.map_size;
    so.sync = o.sync;
    so.encryption = o.encryption;
    so.cold = o.cold;
    so.cold.dir = o.cold_dir(id);
    VIGIL_TRY(store::shard::check_encryption(so));
    VIGIL_TRY(store::shard::check_shard_count(so));
  }
  return status::ok();
}

/// Asks the node for its router and query service (blocking; main thread).
result<api_handles> handles_of(caf::actor_system& sys, const node_actor& node) {
  caf::scoped_actor self{sys};
  api_handles h;
  h.node = node;
  status st;
  self->request(node, std::chrono::seconds(10), atom::get_v, atom::write_v)
    .receive([&](router_actor& r) { h.router = r; },
             [&](caf::error& e) { st = unavailable("node did not start: " + sys.render(e)); });
  if (!st) return st;
  self->request(node, std::chrono::seconds(10), atom::get_v, atom::query_v)
    .receive([&](query_service_actor& q) { h.queries = q; },
             [&](caf::error& e) { st = unavailable("node did not start: " + sys.render(e)); });
  if (!st) return st;
  return h;
}

int run(const vigil_config& c, const sigset_t& signals) {
  caf::actor_system_config cfg;
  apply_to_caf(c, cfg);
  caf::actor_system sys{cfg};
  // Identical range queries are answered from their rendered bytes by the
  // HTTP threads (query/response_memo.hpp); a quarter of the results cache's
  // budget, shared by the query service (which fills and invalidates it).
  auto node_options = c.node;
  auto api_settings = c.api;
  if (node_options.query.cache.max_bytes > 0) {
    auto memo = std::make_shared<query::response_memo>(node_options.query.cache.max_bytes / 4);
    node_options.query.memo = memo;
    api_settings.memo = memo;
  }
  // Cheap instant queries run on the HTTP io threads (actors/inline_queries.hpp).
  auto shortcut = std::make_shared<inline_queries>();
  node_options.query.shortcut = shortcut;
  api_settings.shortcut = shortcut;
  auto node = sys.spawn(node_impl, node_options);
  auto handles = handles_of(sys, node);
  if (!handles) return fail(handles.error().message());
  auto bridge = sys.spawn(api_bridge_impl, *handles);
  std::vector<peer_actor> peers;
  auto stop_all = [&] {
    for (auto& p : peers) caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(bridge, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
  };
  if (c.cluster_listen.port != 0) {
    auto port = sys.middleman().publish(node, c.cluster_listen.port, c.cluster_listen.host.c_str(), true);
    if (!port) {
      stop_all();
      return fail("cannot serve shards on " + c.cluster_listen.host + ":" +
                  std::to_string(c.cluster_listen.port) + ": " + sys.render(port.error()));
    }
    std::printf("vigil: serving shards to peers on %s:%u\n", c.cluster_listen.host.c_str(), unsigned{*port});
  }
  for (const auto& p : c.peers)
    peers.push_back(sys.spawn<caf::detached>(cluster::peer_impl, cluster::peer_options{node, p.host, p.port}));
  api::http_server http;
  auto port = http.start(c.http, api::make_routes(sys, bridge, api_settings));
  if (!port) {
    stop_all();
    return fail(port.error().message());
  }
  std::printf("vigil: node up; %u shards in %s (fsync: %s%s)\n", c.node.shard_count, c.node.data_dir.c_str(),
              c.node.sync == store::fsync_policy::always ? "always" : "never",
              c.node.encryption ? "; encrypted at rest" : "");
  std::printf("vigil: API listening on http://%s:%u/ (Prometheus API under /api/v1, ingest at /v1/metrics)\n",
              c.http.host.c_str(), unsigned{*port});
  std::printf("vigil: ready check: curl http://%s:%u/-/ready\n", c.http.host.c_str(), unsigned{*port});
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  std::printf("vigil: signal %d, shutting down\n", sig);
  std::fflush(stdout);
  http.stop();
  stop_all();
  return 0; // ~actor_system waits for every actor: shards flush and close LMDB
}

} // namespace

int cmd_serve(const serve_flags& f) {
  // Freed query and ingest buffers stay in the process for reuse (see
  // core/allocator.hpp); before CAF starts its threads.
  if (!tune_allocator()) std::fprintf(stderr, "vigil: warning: malloc settings refused; glibc defaults in force\n");
  // Block the signals before CAF starts its threads, so sigwait gets them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto c = load(f);
  if (!c) return fail(c.error().message());
  // One process per data directory (vigil compact and restore take the same lock).
  std::error_code ec;
  std::filesystem::create_directories(c->node.data_dir, ec);
  auto lock = store::dir_lock::take(c->node.data_dir, "another vigil process");
  if (!lock) return fail(lock.error().message());
  auto from = resolve_shard_count(c->node);
  if (!from) return fail(from.error().message());
  std::printf("vigil: %u shards (%s)\n", c->node.shard_count, from->c_str());
  if (auto st = check_shards(c->node); !st) return fail(st.message());
  return run(*c, signals);
}

} // namespace vigil::cli
