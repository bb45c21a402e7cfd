// vigil rules test FILE...: rule unit tests in promtool's test-file format
// (alert/unit_test.hpp), printed as `promtool test rules` prints them:
// "Unit Testing:  FILE", then "  SUCCESS" or "  FAILED:" with one message per
// failed test. Exit code 0 when every file passes, 1 otherwise.
#include <glob.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "alert/unit_test.hpp"
#include "cli/commands.hpp"

namespace vigil::cli {

namespace {

result<std::vector<std::string>> glob_files(const std::string& pattern) {
  glob_t g{};
  int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
  std::vector<std::string> out;
  if (rc == 0)
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  ::globfree(&g);
  if (rc != 0 && rc != GLOB_NOMATCH) return io_error("cannot expand '" + pattern + "'");
  return out;
}

result<std::string> read_whole(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return io_error("'" + path + "': is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("'" + path + "': " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return io_error("'" + path + "': read failed");
  return ss.str();
}

/// Prints one file's verdict as promtool does: the verdict and the messages
/// on stderr when failed, a blank line after each message and the file.
bool report(const alert::test_report& r) {
  std::fflush(stdout);
  for (const auto& w : r.warnings) std::fprintf(stderr, "  WARNING: %s\n", w.c_str());
  if (r.errors.empty()) {
    std::printf("  SUCCESS\n\n");
    return true;
  }
  std::fprintf(stderr, "  FAILED:\n");
  for (const auto& e : r.errors) {
    std::fprintf(stderr, "%s\n", e.c_str());
    std::fflush(stderr);
    std::printf("\n");
    std::fflush(stdout);
  }
  std::printf("\n");
  return false;
}

} // namespace

int cmd_rules_test(const rules_flags& f) {
  const alert::file_access fs{glob_files, read_whole};
  bool ok = true;
  for (const auto& file : f.test_files) {
    std::printf("Unit Testing:  %s\n", file.c_str());
    ok = report(alert::run_test_file(file, fs)) && ok;
  }
  std::fflush(stdout);
  return ok ? 0 : 1;
}

} // namespace vigil::cli
