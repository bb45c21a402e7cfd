// Tests for core/allocator.hpp: freed memory stays in the process for reuse.
// CTest runs each suite in its own process, so the settings made here do not
// reach other suites.
#include <boost/test/unit_test.hpp>

#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/allocator.hpp"

namespace {

long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

/// Allocates 32 MiB in 64 KiB blocks (below glibc's initial mmap threshold, so
/// from the heap), writes every byte, frees them: the pattern of a query's
/// decode and result buffers. Returns the page faults it took.
long churn() {
  constexpr std::size_t block = 64 << 10, blocks = 512;
  std::vector<void*> ps(blocks);
  const long before = minor_faults();
  for (auto& p : ps) {
    p = std::malloc(block);
    BOOST_REQUIRE(p);
    std::memset(p, 0x5a, block);
  }
  for (auto it = ps.rbegin(); it != ps.rend(); ++it) std::free(*it);
  return minor_faults() - before;
}

} // namespace

BOOST_AUTO_TEST_SUITE(allocator)

BOOST_AUTO_TEST_CASE(freed_buffers_are_reused_without_new_page_faults) {
  BOOST_REQUIRE(vigil::tune_allocator());
  const long first = churn(); // the heap grows: 8,192 pages of 4 KiB
  BOOST_TEST_MESSAGE("first round: " << first << " page faults");
  long later = 0;
  for (int i = 0; i < 5; ++i) later += churn();
  // glibc's defaults trim the freed top of the heap each round (~8,000 faults
  // per round again); tuned, the pages stay and are reused.
  BOOST_TEST(later < 500, "page faults in 5 later rounds: " << later);
}

BOOST_AUTO_TEST_CASE(values_glibc_cannot_take_are_refused) {
  vigil::allocator_settings s;
  s.trim_threshold = std::size_t{1} << 40; // above INT_MAX
  BOOST_TEST(!vigil::tune_allocator(s));
}

BOOST_AUTO_TEST_SUITE_END()
