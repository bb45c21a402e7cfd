// alert/rule_eval.hpp - what one evaluation of a rule produces, given the
// query result: the alert samples fed to the state machine (labels as
// Prometheus builds them), the expanded annotations, the ALERTS and
// ALERTS_FOR_STATE series, and recording-rule output series. Pure: the query
// result and the time are arguments.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "alert/rule.hpp"
#include "alert/state_machine.hpp"
#include "core/series.hpp"
#include "core/status.hpp"

namespace vigil::alert {

/// One element of a rule's instant-vector result.
struct result_sample {
  labels lbls;
  double value = 0;
};

/// Alert labels for each result sample: the sample's labels without
/// __name__, plus the rule's (templated) labels, plus alertname. Errors when
/// two samples map to the same labels (Prometheus: "vector contains metrics
/// with the same labelset after applying alert labels").
result<std::vector<alert_sample>> alert_samples(const alerting_rule& r,
                                                const std::vector<result_sample>& result,
                                                const labels* external_labels = nullptr);

/// The rule's annotations expanded for one alert.
result<annotation_list> expand_annotations(const alerting_rule& r, const alert_instance& a,
                                           const labels* external_labels = nullptr);

/// ALERTS{alertstate="pending|firing", ...} = 1 and
/// ALERTS_FOR_STATE{...} = active_at in seconds, at `now`, for every pending
/// or firing alert.
write_batch alert_series(const state_machine& sm, timestamp_ms now);

/// A recording rule's output: each sample renamed to `record` with the
/// rule's labels applied, at `now`.
result<write_batch> recorded_series(const recording_rule& r, const std::vector<result_sample>& result,
                                    timestamp_ms now);

} // namespace vigil::alert
