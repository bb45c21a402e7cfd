// core/labels.hpp - label sets, their stable hash, and label matchers.
//
// A `labels` value is a set of (name, value) pairs kept sorted by name with
// unique names; the metric name is the label "__name__". Values are immutable
// once built, so they can be shared between threads freely.
#pragma once

#include <atomic>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace re2 {
class RE2;
}

namespace vigil {

inline constexpr std::string_view metric_name_label = "__name__";

struct label {
  std::string name;
  std::string value;
  friend bool operator==(const label&, const label&) = default;
  friend auto operator<=>(const label&, const label&) = default;
};

class labels {
public:
  labels() = default;
  /// Sorts by name. Later duplicates of a name replace earlier ones; pairs
  /// with an empty value are dropped (Prometheus: empty == absent).
  explicit labels(std::vector<label> pairs);
  labels(std::initializer_list<label> pairs) : labels(std::vector<label>(pairs)) {}

  /// Builds from pairs already sorted by name, unique, no empty values.
  /// @pre is_sorted_unique(pairs) (asserted in debug builds)
  static labels from_sorted(std::vector<label> pairs);

  const std::vector<label>& pairs() const noexcept { return rep_ ? rep_->pairs : empty_pairs(); }
  std::size_t size() const noexcept { return pairs().size(); }
  bool empty() const noexcept { return pairs().empty(); }
  auto begin() const noexcept { return pairs().begin(); }
  auto end() const noexcept { return pairs().end(); }

  /// The value of `name`, or "" when absent.
  std::string_view get(std::string_view name) const noexcept;
  bool has(std::string_view name) const noexcept;
  std::string_view metric_name() const noexcept { return get(metric_name_label); }

  /// Stable 64-bit hash of the sorted pairs (FNV-1a over name \xff value \xff,
  /// then a 64-bit finalizer). Part of the on-disk/cluster contract: series
  /// placement on shards depends on it, so it never changes. Computed once
  /// per label set and kept with it (copies share it): the router and the
  /// shard's head hash the same label set of every ingested series.
  std::uint64_t hash() const noexcept {
    if (!rep_) return compute_hash();
    const std::uint64_t h = rep_->hash.load(std::memory_order_relaxed);
    return h != 0 ? h : compute_hash();
  }

  /// Hints the CPU to fetch the shared pairs (and the reference count next
  /// to them) ahead of a copy or hash() of this set: a batch's lookups can
  /// then overlap their cache misses.
  void prefetch() const noexcept {
    if (rep_) __builtin_prefetch(rep_.get());
  }

  /// Copies with `name` set to `value` (removed when value is empty).
  labels with(std::string_view name, std::string_view value) const;
  /// Copies without the given names.
  labels without(const std::vector<std::string>& names) const;
  /// Copies keeping only the given names.
  labels keep_only(const std::vector<std::string>& names) const;
  labels without_metric_name() const;

  /// Prometheus notation: name{a="b", c="d"}; `{}` when empty.
  std::string to_string() const;

  friend bool operator==(const labels& a, const labels& b) {
    return a.rep_ == b.rep_ || a.pairs() == b.pairs();
  }
  friend auto operator<=>(const labels& a, const labels& b) { return a.pairs() <=> b.pairs(); }

private:
  /// The pairs, immutable and shared by every copy (a copy costs a
  /// reference count), with hash(), once computed (0: not yet). The hash is
  /// atomic (relaxed): a label set may be read, and hashed, on several
  /// threads at once.
  struct rep {
    std::vector<label> pairs;
    mutable std::atomic<std::uint64_t> hash{0};
  };
  static const std::vector<label>& empty_pairs() noexcept;
  static labels of(std::vector<label> pairs);
  /// Computes hash() and keeps it (a hash of 0 is computed every time).
  std::uint64_t compute_hash() const noexcept;

  std::shared_ptr<const rep> rep_; ///< null: no labels
};

/// Escapes a label value for Prometheus text notation (\\, \", \n).
std::string escape_label_value(std::string_view v);

enum class match_type : std::uint8_t { equal = 0, not_equal = 1, regex = 2, not_regex = 3 };

/// "=", "!=", "=~", "!~"
const char* to_string(match_type t) noexcept;

/// One label matcher. Regexes use RE2 syntax (as Prometheus/Go) and are fully
/// anchored. Immutable after construction; the compiled regex is shared.
class matcher {
public:
  matcher() = default;
  /// Returns invalid_argument when the regex does not compile.
  static result<matcher> make(match_type type, std::string name, std::string value);

  match_type type() const noexcept { return type_; }
  const std::string& name() const noexcept { return name_; }
  const std::string& value() const noexcept { return value_; }

  /// Whether a label value (""= absent) satisfies this matcher.
  bool matches(std::string_view label_value) const;
  /// Whether the matcher accepts the empty string (i.e. series lacking the label).
  bool matches_empty() const { return matches(""); }

  /// name="value" form with escaping.
  std::string to_string() const;

  friend bool operator==(const matcher& a, const matcher& b) {
    return a.type_ == b.type_ && a.name_ == b.name_ && a.value_ == b.value_;
  }

private:
  match_type type_ = match_type::equal;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;
};

using matchers = std::vector<matcher>;

/// Whether `ls` satisfies every matcher.
bool matches_all(const matchers& ms, const labels& ls);

} // namespace vigil
