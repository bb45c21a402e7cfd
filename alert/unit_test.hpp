// alert/unit_test.hpp - rule unit tests in promtool's test-file format
// (Prometheus 2.42 `promtool test rules`): input series, alert_rule_test and
// promql_expr_test cases run against rule files, with promtool's evaluation
// semantics and failure messages.
//
// The runner is pure: the time is simulated (0 .. the largest eval_time) and
// every file is reached through a file_access the caller passes in (the CLI
// passes the real file system, tests pass a map), as LevelDB's Env does.
// Thread-safety: no shared state; concurrent runs on distinct inputs are fine.
//
// Where vigil differs from promtool 2.42 on purpose: a test group without
// `interval` steps its input series by evaluation_interval (as documented, and
// as Prometheus 2.48+ does; 2.42 used 0); a rule_files entry without glob
// characters that names no file is an error (promtool warns and runs without
// it); rule files are loaded once per test file, so a broken one fails even
// without tests; groups missing from group_eval_order run after the listed
// ones in file order (promtool: unspecified); a failed promql_expr_test also
// names its test group.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alert/rule.hpp"
#include "core/labels.hpp"
#include "core/status.hpp"

namespace vigil::alert {

/// A label set that keeps empty values and duplicates nothing: expected
/// labels and annotations as written, compared the way promtool compares
/// them (an empty value is not the same as an absent label). Sorted by name.
using label_pairs = std::vector<label>;

struct input_series {
  labels lbls;
  std::vector<std::optional<double>> values; ///< one slot per interval; nullopt: `_`
};

struct expected_alert {
  label_pairs lbls;        ///< exp_labels (alertname is added when compared)
  label_pairs annotations; ///< exp_annotations
};

struct alert_test {
  timestamp_ms eval_time = 0;
  std::string alertname; ///< may be empty: reported when the test runs, as promtool does
  std::vector<expected_alert> exp_alerts;
};

struct expected_sample {
  labels lbls; ///< parsed from `labels: 'name{a="b"}'`
  double value = 0;
};

struct expr_test {
  std::string expr;
  timestamp_ms eval_time = 0;
  std::vector<expected_sample> exp_samples;
};

/// One entry of `tests:`.
struct test_group {
  std::string name;
  timestamp_ms interval = 0; ///< input series step; 0: the file's evaluation_interval
  std::vector<input_series> inputs;
  std::vector<alert_test> alert_tests;
  std::vector<expr_test> expr_tests;
  labels external_labels;
  std::string external_url; ///< accepted; no supported template reads it
};

/// A whole test file.
struct test_file {
  std::vector<std::string> rule_files; ///< as written: relative to the test file, globs allowed
  timestamp_ms evaluation_interval = 60'000;
  std::vector<std::string> group_eval_order;
  std::vector<test_group> tests;
};

/// Parses a test file strictly (unknown fields are errors, as promtool's
/// UnmarshalStrict). Errors are invalid_argument naming the line:
/// "line 7: tests[0].input_series[1]: bad series description ...".
result<test_file> parse_test_file(std::string_view yaml);

/// A rule group and the file it came from.
struct loaded_group {
  std::string file;
  rule_group group;
};

/// What one run reports. `errors` empty means SUCCESS. Each error is one
/// promtool-style message, possibly several lines, without a trailing newline.
struct test_report {
  std::vector<std::string> warnings; ///< e.g. "no file match pattern rules/*.yml"
  std::vector<std::string> errors;
};

/// Runs every test group of `f` against `groups` (evaluated in
/// group_eval_order first, then in file order). Test failures and rule
/// evaluation errors go to report.errors, as promtool words them.
test_report run_tests(const test_file& f, const std::vector<loaded_group>& groups);

/// How run_test_file reaches files.
struct file_access {
  /// Paths matching a glob pattern, sorted; a literal path matches itself
  /// when it exists. Errors: io_error.
  std::function<result<std::vector<std::string>>(const std::string& pattern)> glob;
  /// A file's whole contents. Errors: io_error naming the path and the reason.
  std::function<result<std::string>(const std::string& path)> read;
};

/// Reads and parses the test file at `path`, resolves and loads its rule
/// files (relative to the test file's directory; a glob matching nothing is
/// a warning, a missing literal path an error), then runs the tests. Load
/// problems end up as the single error, naming the file and line.
test_report run_test_file(const std::string& path, const file_access& fs);

} // namespace vigil::alert
