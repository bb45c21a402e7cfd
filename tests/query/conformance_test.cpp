// Runs Prometheus 2.42's own promqltest scripts (shared/conformance/promql)
// against vigil's engine. Each eval counts as passed when the instant query
// matches and, for evals expected to succeed, the range query t-1m..t+1m
// agrees at t (as Prometheus' harness checks). The total must not drop below
// `pass_floor`, so regressions fail this suite.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "query/promqltest.hpp"

namespace fs = std::filesystem;
using namespace vigil::query;

namespace {

/// The number of conformance evals (of 566) known to pass; raise it as the
/// engine improves.
constexpr std::size_t pass_floor = 566;

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

BOOST_AUTO_TEST_SUITE(conformance)

BOOST_AUTO_TEST_CASE(prometheus_scripts_pass_at_least_the_floor) {
  fs::path dir = fs::path(VIGIL_SOURCE_DIR) / ".." / "shared" / "conformance" / "promql";
  if (!fs::is_directory(dir)) {
    BOOST_TEST_MESSAGE("conformance directory missing, skipping: " << dir);
    return;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".test") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::size_t total = 0, passed = 0;
  bool verbose = std::getenv("VIGIL_CONFORMANCE_VERBOSE") != nullptr;
  for (const auto& f : files) {
    auto cmds = promqltest::parse_script(read_file(f));
    if (!cmds) BOOST_FAIL(f.filename().string() << ": " << cmds.error().message());
    auto outcomes = promqltest::run(*cmds);
    std::size_t ok = 0;
    for (const auto& o : outcomes) {
      ok += o.passed;
      if (!o.passed && verbose)
        std::cout << "  " << f.filename().string() << ":" << o.line << ": " << o.expr << "\n    " << o.message << "\n";
    }
    std::cout << f.filename().string() << ": " << ok << "/" << outcomes.size() << " evals pass\n";
    total += outcomes.size();
    passed += ok;
  }
  std::cout << "total: " << passed << "/" << total << " evals pass\n";
  BOOST_TEST(passed >= pass_floor);
}

BOOST_AUTO_TEST_SUITE_END()
