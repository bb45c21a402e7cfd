// alert/rule.hpp - alerting and recording rules in Prometheus' rule-file model
// (groups with an interval; rules with expr, for, keep_firing_for, labels,
// annotations). Plain values; thread-safe to copy.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/labels.hpp"
#include "core/sample.hpp"

namespace vigil::alert {

/// Ordered (name, template) pairs, as written in the file.
using annotation_list = std::vector<std::pair<std::string, std::string>>;

struct alerting_rule {
  std::string name;                 ///< `alert:`
  std::string expr;                 ///< PromQL
  timestamp_ms for_ms = 0;          ///< pending time before firing
  timestamp_ms keep_firing_for_ms = 0;
  labels extra_labels;              ///< `labels:` (values may hold templates)
  annotation_list annotations;
  friend bool operator==(const alerting_rule&, const alerting_rule&) = default;
};

struct recording_rule {
  std::string record;               ///< the new metric name
  std::string expr;
  labels extra_labels;
  friend bool operator==(const recording_rule&, const recording_rule&) = default;
};

struct rule {
  std::variant<alerting_rule, recording_rule> def;
  int line = 0; ///< 1-based line in the source file (0: not from a file)

  bool is_alert() const noexcept { return def.index() == 0; }
  const alerting_rule& alert() const { return std::get<alerting_rule>(def); }
  const recording_rule& recording() const { return std::get<recording_rule>(def); }
  /// The alert name or the recorded metric name.
  const std::string& name() const;
  const std::string& expr() const;
  friend bool operator==(const rule& a, const rule& b) { return a.def == b.def; }
};

struct rule_group {
  std::string name;
  timestamp_ms interval_ms = 15'000; ///< vigil's default evaluation interval
  std::uint32_t limit = 0;           ///< max alerts/series per evaluation; 0: none
  std::vector<rule> rules;
  int line = 0;
  friend bool operator==(const rule_group& a, const rule_group& b) {
    return a.name == b.name && a.interval_ms == b.interval_ms && a.limit == b.limit &&
           a.rules == b.rules;
  }
};

struct rule_file {
  std::vector<rule_group> groups;
};

} // namespace vigil::alert
