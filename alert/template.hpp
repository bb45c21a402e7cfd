// alert/template.hpp - expansion of annotation and label templates, the
// subset of Prometheus' Go templates that rule files use:
//   {{ $labels.name }}  {{ .Labels.name }}  {{ $value }}  {{ .Value }}
//   {{ $externalLabels.name }}  pipes: humanize, humanize1024,
//   humanizePercentage, humanizeDuration, printf "%.2f", toUpper, toLower
// Unknown constructs are errors (so `vigil rules check` reports them).
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/labels.hpp"
#include "core/status.hpp"

namespace vigil::alert {

struct template_data {
  const labels* lbls = nullptr;           ///< the alert's labels
  double value = 0;                       ///< the expression's value
  const labels* external_labels = nullptr;
};

/// Expands `text`. invalid_argument names the action that failed.
result<std::string> expand_template(std::string_view text, const template_data& data);

/// Checks that `text` only uses supported constructs (no data needed).
status check_template(std::string_view text);

/// Go's %g-like rendering of a value as Prometheus prints $value.
std::string format_value(double v);

} // namespace vigil::alert
