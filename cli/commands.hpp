// cli/commands.hpp - the subcommands of the vigil binary. Each returns the
// process exit code (0 ok; non-zero after printing a one-line reason).
#pragma once

#include <string>
#include <vector>

namespace vigil::cli {

struct serve_flags {
  std::string config_file;
  std::string data_dir;
  std::string http_listen;
  std::string encryption_key_file; ///< overrides storage.encryption.key_file
};

int cmd_serve(const serve_flags& f);

struct query_flags {
  std::string server = "http://127.0.0.1:9201";
  std::string expr;
  std::string time;                 ///< instant query time (RFC 3339 or unix s)
  std::vector<std::string> range;   ///< START END STEP
  bool json = false;                ///< print the raw API answer
};

int cmd_query(const query_flags& f);

struct push_flags {
  std::string server = "http://127.0.0.1:9201";
  std::string file = "-"; ///< "-" reads stdin
};

int cmd_push(const push_flags& f);

struct rules_flags {
  std::string server = "http://127.0.0.1:9201";
  std::string action; ///< apply | list | get | delete | check | test | backtest
  std::string file;   ///< apply -f FILE, check FILE, backtest -f FILE
  std::string name;   ///< get NAME, delete NAME
  std::vector<std::string> test_files; ///< test FILE... (promtool's test-file format)
  std::string from;   ///< backtest --from (RFC 3339 or unix seconds)
  std::string to;     ///< backtest --to (RFC 3339 or unix seconds; default now)
};

/// vigil rules <action>: dispatches to the cmd_rules_* below.
int cmd_rules(const rules_flags& f);
int cmd_rules_apply(const rules_flags& f);
int cmd_rules_list(const rules_flags& f);
int cmd_rules_get(const rules_flags& f);
int cmd_rules_delete(const rules_flags& f);
int cmd_rules_check(const rules_flags& f);
int cmd_rules_test(const rules_flags& f);     // cli/cmd_rules_test.cpp
int cmd_rules_backtest(const rules_flags& f); // cli/cmd_rules_backtest.cpp

struct silence_flags {
  std::string server = "http://127.0.0.1:9201";
  std::string action;                 ///< add | list | expire
  std::vector<std::string> matchers;  ///< add: label=value, label=~re, ...
  std::string author;                 ///< add --author
  std::string comment;                ///< add --comment
  std::string duration = "1h";        ///< add --duration
  std::string id;                     ///< expire ID
};

/// vigil silence add|list|expire.
int cmd_silence(const silence_flags& f);

struct backup_flags {
  std::string to;          ///< directory of backups (each backup is a <time> subdirectory)
  std::string data_dir;    ///< overrides storage.data_dir
  std::string config_file; ///< where storage.data_dir comes from (default: embedded)
};

/// vigil backup: a hot, incremental backup of a data directory (cli/cmd_backup.cpp).
int cmd_backup(const backup_flags& f);

struct restore_flags {
  std::string from;     ///< a backup, or a directory of backups (the newest is restored)
  std::string data_dir; ///< the target data directory
  bool force = false;   ///< replace the environments of a non-empty data directory
};

/// vigil restore: verifies a backup's checksums, then restores it.
int cmd_restore(const restore_flags& f);

struct compact_flags {
  std::string data_dir;            ///< overrides storage.data_dir
  std::string config_file;         ///< where storage.* comes from (default: embedded)
  std::string encryption_key_file; ///< overrides storage.encryption.key_file
};

/// vigil compact: offline, rewrites every shard of a stopped node's data
/// directory in its densest form (store::compact_dense), with progress.
int cmd_compact(const compact_flags& f);

} // namespace vigil::cli
