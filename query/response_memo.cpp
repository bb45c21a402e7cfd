#include "query/response_memo.hpp"

namespace vigil::query {

std::string response_memo::key(std::string_view promql, timestamp_ms start, timestamp_ms end, timestamp_ms step) {
  std::string k = std::to_string(start) + '|' + std::to_string(end) + '|' + std::to_string(step) + '|';
  k.append(promql);
  return k;
}

response_memo::body response_memo::get(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->b;
}

std::uint64_t response_memo::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

void response_memo::put(const std::string& key, timestamp_ms end, body b, std::uint64_t generation) {
  if (!b) return;
  const std::size_t size = b->size() + key.size() + sizeof(entry);
  std::lock_guard lock(mu_);
  if (generation != generation_ || size > max_bytes_ / 4) return;
  if (auto it = index_.find(key); it != index_.end()) drop(it->second);
  order_.push_front(entry{key, end, std::move(b)});
  index_.emplace(order_.front().key, order_.begin());
  bytes_ += size;
  while (bytes_ > max_bytes_ && !order_.empty()) drop(std::prev(order_.end()));
}

void response_memo::invalidate(timestamp_ms t) {
  std::lock_guard lock(mu_);
  ++generation_;
  for (auto it = order_.begin(); it != order_.end();) {
    auto next = std::next(it);
    if (it->end >= t) drop(it);
    it = next;
  }
}

void response_memo::drop(lru::iterator it) {
  bytes_ -= it->b->size() + it->key.size() + sizeof(entry);
  index_.erase(it->key);
  order_.erase(it);
}

std::size_t response_memo::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::size_t response_memo::entries() const {
  std::lock_guard lock(mu_);
  return order_.size();
}

} // namespace vigil::query
