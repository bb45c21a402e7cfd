// query/admission.hpp - concurrency limit with a bounded FIFO wait line for
// queries (Prometheus' --query.max-concurrency, plus a cap on waiters so
// overload turns into fast 503s instead of memory growth).
//
// Pure bookkeeping of query ids; the owner (the query service) keeps the
// queries themselves and the clock. Not thread-safe: one owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace vigil::query {

class admission {
public:
  /// @pre max_running > 0
  admission(std::size_t max_running, std::size_t max_waiting) : max_running_(max_running), max_waiting_(max_waiting) {}

  enum class decision { run, wait, reject };

  /// A query arrives: it may run now, wait in line, or is turned away
  /// because the line is full.
  decision arrive(std::uint64_t id);

  /// A running query finished. Returns the waiting query that now runs
  /// (oldest first), if any.
  std::optional<std::uint64_t> finish();

  /// Removes a waiting query (e.g. its deadline passed in line). False when
  /// it is not waiting (already running or gone).
  bool drop(std::uint64_t id);

  std::size_t running() const noexcept { return running_; }
  std::size_t waiting() const noexcept { return line_.size(); }

private:
  std::size_t max_running_;
  std::size_t max_waiting_;
  std::size_t running_ = 0;
  std::deque<std::uint64_t> line_;
};

} // namespace vigil::query
