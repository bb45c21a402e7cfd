// api/rules_json.hpp - JSON and text renderings of the rules supervisor's
// snapshot: Prometheus 2.42's /api/v1/rules and /api/v1/alerts shapes (as
// Grafana reads them), vigil's /v1/alerts/rules view, and the rule counters
// of /metrics.
//
// Pure; thread-safe.
#pragma once

#include <string>

#include "messages/rules.hpp"

namespace vigil::api {

/// The full body of GET /api/v1/rules. `type`: "", "alert" or "record".
std::string render_prom_rules(const messages::rules_snapshot& s, const std::string& type = "");

/// The full body of GET /api/v1/alerts (pending and firing alerts).
std::string render_prom_alerts(const messages::rules_snapshot& s);

/// The body of GET /v1/alerts/rules: every group with its definition and
/// YAML source (`only` non-empty: that group alone, as the data object).
std::string render_rule_groups(const messages::rules_snapshot& s, const std::string& only = "");

/// Prometheus text-format lines of the rule counters, per group.
std::string render_rule_metrics(const messages::rules_snapshot& s);

} // namespace vigil::api
