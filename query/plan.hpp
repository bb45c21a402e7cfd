// query/plan.hpp - pure planning: which series and time ranges an AST needs.
//
// Walks the tree, numbers every selector (vector_selector::selection) and
// computes, per selector, the matchers and the closed time range that covers
// every sample any step could read: lookback for instant selectors, the range
// for range selectors, offsets, `@`, and the widened ranges of subqueries.
#pragma once

#include <vector>

#include "query/ast.hpp"
#include "query/engine.hpp"

namespace vigil::query {

/// Assigns selection indexes in `root` and returns the selections, in index
/// order. `params` gives the evaluation range. The indexes depend on the
/// tree alone: planning a tree planned before writes nothing (so a planned
/// tree may be planned again from several threads).
std::vector<selection> plan(expr& root, const query_params& params, const eval_options& options);

} // namespace vigil::query
