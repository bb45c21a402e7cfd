#include "query/admission.hpp"

#include <algorithm>

namespace vigil::query {

admission::decision admission::arrive(std::uint64_t id) {
  if (running_ < max_running_) {
    ++running_;
    return decision::run;
  }
  if (line_.size() >= max_waiting_) return decision::reject;
  line_.push_back(id);
  return decision::wait;
}

std::optional<std::uint64_t> admission::finish() {
  if (running_ > 0) --running_;
  if (line_.empty() || running_ >= max_running_) return std::nullopt;
  auto id = line_.front();
  line_.pop_front();
  ++running_;
  return id;
}

bool admission::drop(std::uint64_t id) {
  auto it = std::find(line_.begin(), line_.end(), id);
  if (it == line_.end()) return false;
  line_.erase(it);
  return true;
}

} // namespace vigil::query
