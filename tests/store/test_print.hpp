// tests/store/test_print.hpp - Boost.Test printers for vigil value types
// (found by ADL through boost_test_print_type).
#pragma once

#include <bit>
#include <ostream>

#include "core/labels.hpp"
#include "core/sample.hpp"
#include "core/series.hpp"
#include "core/status.hpp"

namespace vigil {

inline std::ostream& boost_test_print_type(std::ostream& os, const errc& e) { return os << to_string(e); }

inline std::ostream& boost_test_print_type(std::ostream& os, const sample& s) {
  return os << "{t=" << s.t << " v=" << s.v << " bits=0x" << std::hex << std::bit_cast<std::uint64_t>(s.v)
            << std::dec << "}";
}

inline std::ostream& boost_test_print_type(std::ostream& os, const labels& ls) { return os << ls.to_string(); }

inline std::ostream& boost_test_print_type(std::ostream& os, const series& s) {
  return os << s.lbls.to_string() << " (" << s.samples.size() << " samples)";
}

} // namespace vigil
