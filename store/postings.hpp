// store/postings.hpp - set operations on postings lists: ascending, duplicate-
// free vectors of series_ref (what one label pair's index entry holds).
//
// Pure functions over values; thread-safe. Each runs in linear time in its
// inputs (merge_all: O(n log n) in the total size).
#pragma once

#include <vector>

#include "core/sample.hpp"

namespace vigil::store {

using postings_list = std::vector<series_ref>;

/// Refs present in both. @pre both sorted unique.
postings_list intersect(const postings_list& a, const postings_list& b);

/// Refs present in either (union). @pre both sorted unique.
postings_list merge(const postings_list& a, const postings_list& b);

/// Union of many lists; consumes them. @pre each sorted unique.
postings_list merge_all(std::vector<postings_list> lists);

/// Refs of `a` not in `b` (difference). @pre both sorted unique.
postings_list without(const postings_list& a, const postings_list& b);

/// Whether `p` is sorted strictly ascending (the precondition above).
bool is_postings(const postings_list& p) noexcept;

} // namespace vigil::store
