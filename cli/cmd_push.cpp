// vigil push: sends Prometheus text format (file or stdin) to a node.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/http_client.hpp"

namespace vigil::cli {

int cmd_push(const push_flags& f) {
  std::stringstream ss;
  if (f.file == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(f.file);
    if (!in) {
      std::fprintf(stderr, "vigil push: cannot read '%s'\n", f.file.c_str());
      return 1;
    }
    ss << in.rdbuf();
  }
  auto body = ss.str();
  auto r = http_post(f.server + "/api/v1/import/prometheus", "text/plain", body);
  if (!r) {
    std::fprintf(stderr, "vigil push: %s\n", r.error().message().c_str());
    return 1;
  }
  if (r->status / 100 != 2) {
    std::fprintf(stderr, "vigil push: rejected (HTTP %ld): %s\n", r->status, r->body.c_str());
    return 1;
  }
  std::printf("pushed %zu bytes\n", body.size());
  return 0;
}

} // namespace vigil::cli
