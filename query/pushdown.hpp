// query/pushdown.hpp - pure planning of which parts of a query the shards
// evaluate themselves.
//
// Series are placed on shards by their full label set, so anything computed
// from one series at a time is shard-local, and sum/count/min/max/group of
// such values merge exactly from per-shard partials (sum of sums, sum of
// counts, min of mins, ...). The rewrite replaces each such subtree by a
// placeholder selector (vector_selector::partial = the subtree's PromQL),
// which the planner turns into a selection the caller answers by evaluating
// that PromQL on every shard; the rewritten tree merges the partials.
// Only the shape changes, never the answer: per-step values are the same as
// without pushdown, except that sums may round differently (addition order).
#pragma once

#include <string>
#include <vector>

#include "query/ast.hpp"

namespace vigil::query {

/// Whether `e` computes every output series from exactly one input series
/// (selectors, range functions over a range selector, per-series math and
/// arithmetic with number literals) and so can run on each shard alone.
/// Expressions that drop the metric name qualify only when their selector
/// fixes it with `__name__="..."`, so no two shards can produce one label set.
bool is_per_series(const expr& e);

/// Rewrites every maximal pushable subtree of `root` (outside subqueries) in
/// place: `sum|count|min|max|group [by|without (...)] (per-series)` becomes
/// the same aggregation (count: sum) over a placeholder for the per-shard
/// aggregate; per-series expressions with a range function become a
/// placeholder themselves. Returns the PromQL of every placeholder, in the
/// order made.
std::vector<std::string> rewrite_for_pushdown(expr& root);

} // namespace vigil::query
