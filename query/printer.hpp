// query/printer.hpp - AST to canonical PromQL text (Prometheus' String()
// forms: `sum by (a) (x)`, `a + on (b) group_left (c) d`, `x[5m] offset 1h`).
//
// parse(print(e)) yields a tree that prints identically. Pure.
#pragma once

#include <string>

#include "query/ast.hpp"

namespace vigil::query {

/// Canonical text of `e`.
std::string print(const expr& e);

/// Shortest text that parses back to exactly `v` ("1e+06", "+Inf", "NaN").
std::string format_number(double v);

} // namespace vigil::query
