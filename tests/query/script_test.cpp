// Runs vigil's own engine scripts (tests/query/testdata/*.test, promqltest
// format); every eval must pass.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "query/promqltest.hpp"

namespace fs = std::filesystem;
using namespace vigil::query;

BOOST_AUTO_TEST_SUITE(scripts)

BOOST_AUTO_TEST_CASE(all_testdata_scripts_pass) {
  fs::path dir = fs::path(VIGIL_SOURCE_DIR) / "tests" / "query" / "testdata";
  BOOST_TEST_REQUIRE(fs::is_directory(dir));
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".test") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  BOOST_TEST_REQUIRE(!files.empty());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    auto cmds = promqltest::parse_script(ss.str());
    if (!cmds) BOOST_FAIL(f.filename().string() << ": " << cmds.error().message());
    auto outcomes = promqltest::run(*cmds);
    BOOST_TEST(!outcomes.empty(), f.filename().string());
    for (const auto& o : outcomes)
      BOOST_TEST(o.passed, f.filename().string() << ":" << o.line << ": " << o.expr << ": " << o.message);
  }
}

BOOST_AUTO_TEST_SUITE_END()
