// actors/clock.hpp - wall-clock time as an injectable function: deadlines
// sent to shards and results-cache freshness are Unix milliseconds, and tests
// substitute a fake.
#pragma once

#include <cstdint>
#include <functional>

namespace vigil {

/// Wall-clock Unix milliseconds.
using unix_clock_fn = std::function<std::int64_t()>;

/// The system clock; the default unix_clock_fn.
std::int64_t system_unix_ms();

} // namespace vigil
