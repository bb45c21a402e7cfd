// store/hash_table.hpp - an open-addressing hash table from a 64-bit hash to
// owned values, several of which may share a hash (the caller tells them
// apart). The head's series lookup: one probe usually touches one cache line,
// where std::unordered_map costs a modulo and two or three dependent misses.
//
// Linear probing over a power-of-two slot array kept at most half full
// (tombstones included). Values are heap-allocated, so pointers to them stay
// valid until they are erased. Thread-safety: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace vigil::store {

template <class T>
class hash_table {
public:
  /// The first value stored under `hash` for which `pred(value)` holds.
  template <class Pred>
  T* find(std::uint64_t hash, Pred&& pred) const {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (!s.value && !s.deleted) return nullptr;
      if (s.value && s.hash == hash && pred(*s.value)) return s.value.get();
    }
  }

  /// Hints the CPU to fetch the slot where `hash` starts its probe.
  void prefetch_slot(std::uint64_t hash) const noexcept {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & mask_]);
  }
  /// Hints the CPU to fetch the first value stored under `hash` (reading
  /// only the slots, which prefetch_slot() should have brought in).
  void prefetch_value(std::uint64_t hash) const noexcept {
    if (slots_.empty()) return;
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (!s.value && !s.deleted) return;
      if (s.value && s.hash == hash) {
        __builtin_prefetch(s.value.get());
        __builtin_prefetch(reinterpret_cast<const char*>(s.value.get()) + 64);
        return;
      }
    }
  }
  /// The first value stored under `hash`, without telling equal hashes apart
  /// (for prefetching what is probably the one looked up next).
  T* first_with_hash(std::uint64_t hash) const noexcept {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (!s.value && !s.deleted) return nullptr;
      if (s.value && s.hash == hash) return s.value.get();
    }
  }

  /// Stores `v` under `hash` (even when an equal hash is present).
  T* insert(std::uint64_t hash, std::unique_ptr<T> v) {
    if ((used_ + 1) * 2 > slots_.size()) rehash(size_ + 1 > slots_.size() / 4 ? slots_.size() * 2 : slots_.size());
    T* p = v.get();
    std::size_t i = hash & mask_;
    while (slots_[i].value) i = (i + 1) & mask_;
    if (!slots_[i].deleted) ++used_;
    slots_[i] = slot{hash, std::move(v), false};
    ++size_;
    return p;
  }

  /// Destroys `v`, which is stored under `hash`. No-op when absent.
  void erase(std::uint64_t hash, const T* v) {
    if (slots_.empty()) return;
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      slot& s = slots_[i];
      if (!s.value && !s.deleted) return;
      if (s.value.get() == v) {
        s.value.reset();
        s.deleted = true; // keeps later entries of the probe chain reachable
        --size_;
        return;
      }
    }
  }

  std::size_t size() const noexcept { return size_; }

private:
  struct slot {
    std::uint64_t hash = 0;
    std::unique_ptr<T> value;
    bool deleted = false;
  };

  void rehash(std::size_t capacity) {
    if (capacity < 16) capacity = 16;
    std::vector<slot> old = std::exchange(slots_, std::vector<slot>(capacity));
    mask_ = capacity - 1;
    used_ = 0;
    for (slot& s : old) {
      if (!s.value) continue;
      std::size_t i = s.hash & mask_;
      while (slots_[i].value) i = (i + 1) & mask_;
      slots_[i] = slot{s.hash, std::move(s.value), false};
      ++used_;
    }
  }

  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0; ///< live values
  std::size_t used_ = 0; ///< live values + tombstones
};

} // namespace vigil::store
