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

} // namespace vigil::cli
