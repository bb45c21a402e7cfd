// Calendar functions on Unix seconds (UTC): year, month, day_of_month,
// day_of_week, day_of_year, days_in_month, hour, minute.
#include <cmath>
#include <cstdint>

#include "query/functions.hpp"

namespace vigil::query::fn {
namespace {

struct civil {
  std::int64_t year;
  int month; // 1..12
  int day;   // 1..31
  int hour, minute;
  int weekday; // 0 = Sunday
  int yday;    // 1..366
};

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in(std::int64_t y, int m) {
  static constexpr int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Howard Hinnant's civil_from_days.
civil to_civil(std::int64_t secs) {
  std::int64_t days = floor_div(secs, 86400);
  std::int64_t rem = secs - days * 86400;
  civil c{};
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem % 3600 / 60);
  c.weekday = static_cast<int>(((days % 7) + 11) % 7); // 1970-01-01 was a Thursday
  std::int64_t z = days + 719468;
  std::int64_t era = floor_div(z, 146097);
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2 ? 1 : 0);
  c.yday = c.day;
  for (int m = 1; m < c.month; ++m) c.yday += days_in(c.year, m);
  return c;
}

// Go's int64(float64) on amd64: out-of-range and NaN give INT64_MIN.
std::int64_t to_seconds(double v) {
  if (!(v >= -9.2e18 && v <= 9.2e18)) return INT64_MIN;
  return static_cast<std::int64_t>(v);
}

template <double (*F)(const civil&)>
vector_value date_fn(std::vector<vector_value>& args, const call_context& ctx) {
  if (args.empty()) return {vsample{{}, F(to_civil(floor_div(ctx.ts, 1000))), ctx.ts}};
  vector_value out = std::move(args[0]);
  for (auto& s : out) {
    s.v = F(to_civil(to_seconds(s.v)));
    s.lbls = s.lbls.without_metric_name();
  }
  return out;
}

double year(const civil& c) { return static_cast<double>(c.year); }
double month(const civil& c) { return c.month; }
double day_of_month(const civil& c) { return c.day; }
double day_of_week(const civil& c) { return c.weekday; }
double day_of_year(const civil& c) { return c.yday; }
double days_in_month(const civil& c) { return days_in(c.year, c.month); }
double hour(const civil& c) { return c.hour; }
double minute(const civil& c) { return c.minute; }

} // namespace

instant_impl date(std::string_view name) {
  static constexpr struct {
    std::string_view name;
    instant_impl fn;
  } table[] = {{"year", date_fn<year>},
               {"month", date_fn<month>},
               {"day_of_month", date_fn<day_of_month>},
               {"day_of_week", date_fn<day_of_week>},
               {"day_of_year", date_fn<day_of_year>},
               {"days_in_month", date_fn<days_in_month>},
               {"hour", date_fn<hour>},
               {"minute", date_fn<minute>}};
  for (const auto& e : table)
    if (e.name == name) return e.fn;
  return nullptr;
}

} // namespace vigil::query::fn
