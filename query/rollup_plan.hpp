// query/rollup_plan.hpp - pure planning of which range functions of a
// shard's part may be answered from downsampled data (store/rollup.hpp).
//
// A call F(sel[d]) qualifies for resolution R when F is one of
// rollup_functions(), the selector has no offset or @, the call is
// per-series (query/pushdown.hpp), it is evaluated at the query's own steps
// (not inside a subquery, nor the argument of absent/timestamp), and d, the
// query start and the step (range queries) are multiples of R. Such a call
// becomes a placeholder selector (vector_selector::partial) whose values the
// shard computes from its rollups, or from raw data when they do not cover
// the range (rollup_call::promql). The answer is the same either way (sums
// may round differently).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.hpp"
#include "query/engine.hpp"

namespace vigil::query {

/// The range functions rollups answer (sum/count/min/max/avg/last_over_time,
/// rate, increase).
bool rollup_function(std::string_view name) noexcept;

struct rollup_call {
  std::string placeholder; ///< the placeholder's selection::partial
  std::string promql;      ///< the call as PromQL (to evaluate raw instead)
  std::string fn;          ///< function name
  matchers ms;             ///< the range selector's matchers
  timestamp_ms range = 0;  ///< d
  timestamp_ms resolution = 0;
};

/// Rewrites every qualifying call in `root` in place, choosing the first
/// resolution of `resolutions` (coarsest first) that fits; returns them.
std::vector<rollup_call> rewrite_for_rollups(expr& root, const query_params& p,
                                             std::span<const timestamp_ms> resolutions);

struct rollup_prepared {
  prepared_query query;           ///< `part` with the qualifying calls replaced
  std::vector<rollup_call> calls; ///< empty: nothing qualified (use `part` itself)
};

/// Prepares a shard's part (made by prepare_partial) again with
/// rewrite_for_rollups applied.
result<rollup_prepared> prepare_with_rollups(const prepared_query& part, std::span<const timestamp_ms> resolutions);

/// The call a selection stands for (nullptr: an ordinary selection).
const rollup_call* find_rollup_call(const rollup_prepared& p, const selection& sel);

/// Answers one rollup_call at the part's params: the per-series values, or
/// an empty optional when the rollups do not cover it (then it is
/// evaluated raw).
using rollup_fetch_fn = std::function<result<std::optional<std::vector<series>>>(const rollup_call&)>;

/// evaluate_partial() of a shard's part that answers qualifying calls
/// through `rollups` (falling back to `raw` per call) and everything else
/// through `raw`. Without resolutions or qualifying calls: evaluate_partial,
/// or evaluate_partial_batched through `batched` (when set) where the part
/// has its shape.
result<query_result> evaluate_with_rollups(const prepared_query& part, std::span<const timestamp_ms> resolutions,
                                           const fetch_fn& raw, const rollup_fetch_fn& rollups,
                                           const expired_fn& expired = {}, const batch_fetch_fn& batched = {});

} // namespace vigil::query
