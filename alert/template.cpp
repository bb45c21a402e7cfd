#include "alert/template.hpp"

#include <cmath>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace vigil::alert {

namespace {

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\n");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> split_pipes(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') quoted = !quoted;
    if (s[i] == '|' && !quoted) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(trim(s.substr(start)));
  return out;
}

std::string humanize(double v, double base, const char* const* prefixes, int n) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return format_value(v);
  int i = 0;
  double a = std::fabs(v);
  char buf[64];
  if (a < 1 && base == 1000) {
    // Prometheus' humanize: small values get m, u, n, p, f, a, z, y.
    static const char* const small[] = {"", "m", "u", "n", "p", "f", "a", "z", "y"};
    while (a < 1 && i < 8) { a *= 1000; ++i; }
    std::snprintf(buf, sizeof(buf), "%.4g%s", v < 0 ? -a : a, small[i]);
    return buf;
  }
  while (a >= base && i < n - 1) { a /= base; ++i; }
  std::snprintf(buf, sizeof(buf), "%.4g%s", v < 0 ? -a : a, prefixes[i]);
  return buf;
}

/// Prometheus' humanizeDuration: "1d 2h 3m 4s" down to minutes (all parts
/// shown), "%.4gs" under a minute, sub-second values with m/u/n... prefixes.
std::string humanize_duration(double secs) {
  char buf[96];
  if (std::isnan(secs) || std::isinf(secs)) return format_value(secs);
  if (secs == 0) return "0s";
  if (std::fabs(secs) < 1) {
    static const char* const small[] = {"", "m", "u", "n", "p", "f", "a", "z", "y"};
    int i = 0;
    while (std::fabs(secs) < 1 && i < 8) secs *= 1000, ++i;
    std::snprintf(buf, sizeof(buf), "%.4g%ss", secs, small[i]);
    return buf;
  }
  const char* sign = secs < 0 ? "-" : "";
  long long s = static_cast<long long>(std::fabs(secs));
  long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
  if (d) std::snprintf(buf, sizeof(buf), "%s%lldd %lldh %lldm %llds", sign, d, h, m, sec);
  else if (h) std::snprintf(buf, sizeof(buf), "%s%lldh %lldm %llds", sign, h, m, sec);
  else if (m) std::snprintf(buf, sizeof(buf), "%s%lldm %llds", sign, m, sec);
  else std::snprintf(buf, sizeof(buf), "%s%.4gs", sign, std::fabs(secs));
  return buf;
}

/// Applies one pipe function to the current value.
result<std::string> apply(const std::string& fn, const std::string& in, double num) {
  static const char* const si[] = {"", "k", "M", "G", "T", "P", "E"};
  static const char* const bin[] = {"", "ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  if (fn == "humanize") return humanize(num, 1000, si, 7);
  if (fn == "humanize1024") return humanize(num, 1024, bin, 7);
  if (fn == "humanizePercentage") {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.4g%%", num * 100);
    return std::string(buf);
  }
  if (fn == "humanizeDuration") return humanize_duration(num);
  if (fn == "toUpper" || fn == "toLower") {
    std::string out = in;
    for (auto& c : out) c = fn == "toUpper" ? char(std::toupper(c)) : char(std::tolower(c));
    return out;
  }
  if (fn.starts_with("printf ")) {
    auto fmt = trim(std::string_view(fn).substr(7));
    if (fmt.size() < 2 || fmt.front() != '"' || fmt.back() != '"')
      return invalid_argument("printf needs a quoted format: " + fn);
    fmt = fmt.substr(1, fmt.size() - 2);
    if (fmt.find('%') == std::string::npos || fmt.find_first_of("sdq", fmt.find('%')) != std::string::npos)
      return invalid_argument("printf supports only float formats like \"%.2f\": " + fn);
    char buf[128];
    std::snprintf(buf, sizeof(buf), fmt.c_str(), num);
    return std::string(buf);
  }
  return invalid_argument("unsupported template function \"" + fn + "\"");
}

/// Evaluates the first element of an action (a variable reference).
result<std::pair<std::string, double>> operand(const std::string& op, const template_data& d) {
  auto label_of = [](const labels* ls, std::string_view name) {
    return ls ? std::string(ls->get(name)) : std::string();
  };
  if (op == "$value" || op == ".Value") return std::pair{format_value(d.value), d.value};
  for (std::string_view prefix : {"$labels.", ".Labels."})
    if (op.starts_with(prefix)) {
      auto v = label_of(d.lbls, std::string_view(op).substr(prefix.size()));
      return std::pair{v, std::strtod(v.c_str(), nullptr)};
    }
  if (op.starts_with("$externalLabels.")) {
    auto v = label_of(d.external_labels, std::string_view(op).substr(16));
    return std::pair{v, std::strtod(v.c_str(), nullptr)};
  }
  return invalid_argument("unsupported template expression \"" + op + "\"");
}

result<std::string> action(std::string_view body, const template_data& d) {
  auto parts = split_pipes(body);
  auto first = operand(parts[0], d);
  if (!first) return std::move(first).error();
  auto [text, num] = *first;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    auto r = apply(parts[i], text, num);
    if (!r) return std::move(r).error();
    text = *r;
  }
  return text;
}

} // namespace

std::string format_value(double v) {
  // Go's %v for float64: shortest round-trip digits; exponent form only when
  // the decimal exponent is < -4 or >= 21.
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  int p = 1;
  for (; p < 17; ++p) {
    std::snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
  int exp = std::atoi(std::strchr(buf, 'e') + 1);
  if (exp < -4 || exp >= 21) return buf;
  std::snprintf(buf, sizeof(buf), "%.*f", std::max(0, p - 1 - exp), v);
  return buf;
}

result<std::string> expand_template(std::string_view text, const template_data& d) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, open - pos));
    auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return invalid_argument("unclosed action \"{{\" in template");
    auto body = text.substr(open + 2, close - open - 2);
    if (!body.empty() && body.front() == '-') body.remove_prefix(1);
    if (!body.empty() && body.back() == '-') body.remove_suffix(1);
    auto r = action(body, d);
    if (!r) return invalid_argument("template action {{" + std::string(body) + "}}: " + r.error().message());
    out += *r;
    pos = close + 2;
  }
  return out;
}

status check_template(std::string_view text) {
  labels none;
  auto r = expand_template(text, {&none, 0, &none});
  return r ? status::ok() : r.error();
}

} // namespace vigil::alert
