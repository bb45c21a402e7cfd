// vigil: one binary, subcommands serve | query | push.
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  using namespace vigil::cli;
  CLI::App app{"vigil - metrics storage, PromQL queries and alerting"};
  app.require_subcommand(1);

  serve_flags sf;
  auto* serve = app.add_subcommand("serve", "Run a node (embedded defaults from configs/vigil.yaml)");
  serve->add_option("--config", sf.config_file, "YAML configuration file (overrides the defaults)");
  serve->add_option("--data-dir", sf.data_dir, "Data directory (overrides storage.data_dir)");
  serve->add_option("--http-listen", sf.http_listen, "HOST:PORT of the HTTP API (overrides http.listen)");

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

  CLI11_PARSE(app, argc, argv);
  if (serve->parsed()) return cmd_serve(sf);
  if (query->parsed()) return cmd_query(qf);
  if (push->parsed()) return cmd_push(pf);
  return 1;
}
