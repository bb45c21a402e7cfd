// query/promqltest.hpp - Prometheus' promqltest script format (as of 2.42):
// parsing and running `load`, `clear`, `eval instant at`, `eval_fail`,
// `eval_ordered` against a memory_source.
//
// Used by the conformance suite and by vigil's own engine scripts; reusable
// for rule unit tests. Pure: no I/O besides what the caller passes in.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/series.hpp"
#include "core/status.hpp"
#include "query/ast.hpp"
#include "query/engine.hpp"
#include "query/memory_source.hpp"

namespace vigil::query::promqltest {

struct load_cmd {
  timestamp_ms interval = 0;
  std::vector<series> defs; ///< later definitions of a label set replace earlier ones
};

struct clear_cmd {};

struct expected_sample {
  labels lbls;
  double v = 0;
};

struct eval_cmd {
  std::size_t line = 0; ///< 1-based line of the eval statement
  std::string expr;
  timestamp_ms at = 0;
  bool expect_fail = false;
  bool ordered = false;
  std::optional<double> scalar;         ///< set when a scalar result is expected
  std::vector<expected_sample> samples; ///< the expected vector otherwise
};

using command = std::variant<load_cmd, clear_cmd, eval_cmd>;

/// Parses a whole script. Errors name the line ("line 12: ...").
result<std::vector<command>> parse_script(std::string_view text);

/// Expands series values ("1+2x3 _ stale -2-1x4 Inf") into slots; nullopt
/// marks an empty slot. Staleness markers are stale_nan().
result<std::vector<std::optional<double>>> expand_values(std::string_view text);

/// Parses a series description `name{a="b"}` (either part optional).
result<labels> parse_series_desc(std::string_view text);

/// Prometheus' test tolerance: both NaN, equal, or relative difference < 1e-6.
bool almost_equal(double a, double b);

struct eval_outcome {
  std::size_t line = 0;
  std::string expr;
  bool passed = false;
  std::string message; ///< why it failed
};

struct run_options {
  eval_options engine;
  /// Re-run each passing non-failing eval as a range query t-1m..t+1m and
  /// require the middle step to match (as Prometheus' own harness does).
  bool check_range = true;
  /// Also run the expression with `@ t` pinned on every selector at other
  /// evaluation times (Prometheus' atModifierTestCases; skipped when a
  /// time-dependent function is involved).
  bool check_at_modifier = true;
};

/// Runs the commands against a fresh memory_source.
std::vector<eval_outcome> run(const std::vector<command>& cmds, const run_options& opts = {});

/// Runs one eval against `db` (with the configured re-checks).
eval_outcome run_eval(const eval_cmd& cmd, const memory_source& db, const run_options& opts);

/// Runs one eval against `db`: the instant query and the range re-check.
eval_outcome run_one(const eval_cmd& cmd, const memory_source& db, const run_options& opts);

/// The eval re-written with `@ <its time>` on every selector, at other
/// evaluation times; empty when the expression uses a time-dependent function.
std::vector<eval_cmd> at_modifier_variants(const eval_cmd& cmd);

/// Whether `e` calls time(), timestamp(), a date function or predict_linear.
bool contains_time_dependent(const expr& e);

} // namespace vigil::query::promqltest
