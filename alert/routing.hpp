// alert/routing.hpp - Alertmanager-style routing tree, silences and
// inhibition rules. Pure values and functions; thread-safe to share const.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/labels.hpp"
#include "core/sample.hpp"

namespace vigil::alert {

/// A node of the routing tree. A child inherits unset timing/grouping fields
/// from its parent (resolved once by `finalize`).
struct route {
  std::string receiver;                 ///< channel name ("" inherits)
  matchers match;                       ///< all must match (root: matches all)
  std::optional<std::vector<std::string>> group_by; ///< ["..."] groups by all labels
  std::optional<timestamp_ms> group_wait;      ///< default 30 s
  std::optional<timestamp_ms> group_interval;  ///< default 5 m
  std::optional<timestamp_ms> repeat_interval; ///< default 4 h
  bool continue_matching = false;       ///< `continue: true`
  std::vector<route> routes;            ///< children, first match wins
};

/// Fills inherited fields top-down (Alertmanager's defaults at the root).
void finalize(route& root);

/// The leaf routes an alert goes to (depth-first; a matching child stops
/// the search among its siblings unless it has `continue`). Never empty for
/// the root: the root catches everything.
std::vector<const route*> match_routes(const route& root, const labels& alert);

/// The group key of an alert on a route: the receiver plus the values of the
/// group_by labels ("..." = every label).
std::string group_key(const route& r, const labels& alert);

struct silence {
  std::string id;
  matchers match;
  timestamp_ms starts_at = 0;
  timestamp_ms ends_at = 0;
  std::string created_by;
  std::string comment;

  bool active(timestamp_ms now) const noexcept { return starts_at <= now && now < ends_at; }
  bool silences(const labels& alert, timestamp_ms now) const {
    return active(now) && matches_all(match, alert);
  }
};

struct inhibit_rule {
  matchers source;              ///< an alert firing with these labels ...
  matchers target;              ///< ... mutes alerts with these labels ...
  std::vector<std::string> equal; ///< ... that agree on these label values
};

/// Whether `target` is inhibited by any of `firing` under `rules`. An alert
/// never inhibits itself.
bool inhibited(const labels& target, const std::vector<labels>& firing,
               const std::vector<inhibit_rule>& rules);

} // namespace vigil::alert
