// vigil: one binary, subcommands serve | query | push | rules | silence | backup | restore.
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "store/crypto.hpp"

namespace {

/// vigil rules apply|list|get|delete|check; each sets f.action when parsed.
CLI::App* add_rules(CLI::App& app, vigil::cli::rules_flags& f) {
  auto* rules = app.add_subcommand("rules", "Manage alerting and recording rules (Prometheus rule files)");
  rules->require_subcommand(1);
  auto sub = [&](const char* name, const char* help) {
    auto* c = rules->add_subcommand(name, help);
    c->callback([&f, name] { f.action = name; });
    if (std::string(name) != "check" && std::string(name) != "test")
      c->add_option("--server", f.server, "Node URL")->capture_default_str();
    return c;
  };
  sub("apply", "Validate a rule file, then create/update its groups on the node")
    ->add_option("-f,--file", f.file, "Rule file (YAML)")->required();
  sub("list", "List rule groups with their rules' health and state");
  sub("get", "Print one rule group")->add_option("name", f.name, "Group name")->required();
  sub("delete", "Delete one rule group and its alert state")->add_option("name", f.name, "Group name")->required();
  sub("check", "Validate a rule file offline (exit 1 naming the line)")
    ->add_option("file", f.file, "Rule file (YAML)")->required();
  sub("test", "Run rule unit tests (promtool's test-file format); exit 1 when any fails")
    ->add_option("files", f.test_files, "Test files (YAML)")->required();
  auto* bt = sub("backtest", "Replay a rule file over stored history; print when each alert would have fired and resolved");
  bt->add_option("-f,--file", f.file, "Rule file (YAML)")->required();
  bt->add_option("--from", f.from, "Start (RFC 3339 or unix seconds)")->required();
  bt->add_option("--to", f.to, "End (RFC 3339 or unix seconds; default now)");
  return rules;
}

/// vigil silence add|list|expire; each sets f.action when parsed.
CLI::App* add_silence(CLI::App& app, vigil::cli::silence_flags& f) {
  auto* silence = app.add_subcommand("silence", "Manage notification silences (Alertmanager API v2)");
  silence->require_subcommand(1);
  auto sub = [&](const char* name, const char* help) {
    auto* c = silence->add_subcommand(name, help);
    c->callback([&f, name] { f.action = name; });
    c->add_option("--server", f.server, "Node URL")->capture_default_str();
    return c;
  };
  auto* add = sub("add", "Silence alerts matching every matcher (label=value, label!=v, label=~re, label!~re)");
  add->add_option("matchers", f.matchers, "Matchers")->required();
  add->add_option("--author", f.author, "Who created the silence")->required();
  add->add_option("--comment", f.comment, "Why")->required();
  add->add_option("--duration", f.duration, "How long from now (e.g. 2h)")->capture_default_str();
  sub("list", "List silences (active, pending and expired)");
  sub("expire", "End a silence now")->add_option("id", f.id, "Silence ID")->required();
  return silence;
}

/// vigil backup --to DIR and vigil restore --from DIR --data-dir D.
std::pair<CLI::App*, CLI::App*> add_backup(CLI::App& app, vigil::cli::backup_flags& b, vigil::cli::restore_flags& r) {
  auto* backup = app.add_subcommand("backup", "Hot backup of every shard (incremental when DIR holds earlier backups)");
  backup->add_option("--to", b.to, "Directory of backups; each backup is a <time> subdirectory")->required();
  backup->add_option("--data-dir", b.data_dir, "Data directory (overrides storage.data_dir)");
  backup->add_option("--config", b.config_file, "YAML configuration file (for storage.data_dir)");
  auto* restore = app.add_subcommand("restore", "Verify a backup's checksums, then restore it into a data directory");
  restore->add_option("--from", r.from, "A backup, or a directory of backups (the newest is taken)")->required();
  restore->add_option("--data-dir", r.data_dir, "Target data directory (must be empty unless --force)")->required();
  restore->add_flag("--force", r.force, "Replace the shard, alerts and notify environments of a non-empty data directory");
  return {backup, restore};
}

/// vigil compact [--data-dir D] [--config F] [--encryption-key-file K].
CLI::App* add_compact(CLI::App& app, vigil::cli::compact_flags& f) {
  auto* c = app.add_subcommand("compact", "Offline: rewrite a stopped node's shards densely (open chunks sealed, "
                                          "full pages, no free pages)");
  c->add_option("--data-dir", f.data_dir, "Data directory (overrides storage.data_dir)");
  c->add_option("--config", f.config_file, "YAML configuration file (for storage.*)");
  c->add_option("--encryption-key-file", f.encryption_key_file, "Key file of encrypted shards");
  return c;
}

} // namespace

int main(int argc, char** argv) {
  vigil::store::keep_openssl_until_exit();
  using namespace vigil::cli;
  CLI::App app{"vigil - metrics storage, PromQL queries and alerting"};
  app.require_subcommand(1);

  serve_flags sf;
  auto* serve = app.add_subcommand("serve", "Run a node (embedded defaults from configs/vigil.yaml)");
  serve->add_option("--config", sf.config_file, "YAML configuration file (overrides the defaults)");
  serve->add_option("--data-dir", sf.data_dir, "Data directory (overrides storage.data_dir)");
  serve->add_option("--http-listen", sf.http_listen, "HOST:PORT of the HTTP API (overrides http.listen)");
  serve->add_option("--encryption-key-file", sf.encryption_key_file,
                    "Key file for encryption at rest (overrides storage.encryption.key_file)");

  query_flags qf;
  auto* query = app.add_subcommand("query", "Run a PromQL query and print the result as a table");
  query->add_option("expr", qf.expr, "PromQL expression")->required();
  query->add_option("--server", qf.server, "Node URL")->capture_default_str();
  query->add_option("--time", qf.time, "Evaluation time (RFC 3339 or Unix seconds; default now)");
  query->add_option("--range", qf.range, "Range query: START END STEP")->expected(3);
  query->add_flag("--json", qf.json, "Print the raw Prometheus API JSON");

  push_flags pf;
  auto* push = app.add_subcommand("push", "Send Prometheus text-format samples to a node");
  push->add_option("file", pf.file, "File to read ('-' or absent: stdin)")->capture_default_str();
  push->add_option("--server", pf.server, "Node URL")->capture_default_str();

  rules_flags rf;
  auto* rules = add_rules(app, rf);

  silence_flags slf;
  auto* silence = add_silence(app, slf);

  backup_flags bf;
  restore_flags rsf;
  auto [backup, restore] = add_backup(app, bf, rsf);
  compact_flags cf;
  auto* compact = add_compact(app, cf);

  CLI11_PARSE(app, argc, argv);
  if (serve->parsed()) return cmd_serve(sf);
  if (query->parsed()) return cmd_query(qf);
  if (push->parsed()) return cmd_push(pf);
  if (rules->parsed()) return cmd_rules(rf);
  if (silence->parsed()) return cmd_silence(slf);
  if (backup->parsed()) return cmd_backup(bf);
  if (restore->parsed()) return cmd_restore(rsf);
  if (compact->parsed()) return cmd_compact(cf);
  return 1;
}
