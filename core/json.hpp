// core/json.hpp - JSON string escaping shared by every module that writes
// JSON (api renderers, alert notification payloads). Escapes as Go's
// encoding/json does, so vigil's output matches Prometheus/Alertmanager
// byte for byte: HTML-safe (<, >, & become \u003c, \u003e, \u0026),
// U+2028/U+2029 escaped, invalid UTF-8 bytes become \ufffd.
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace vigil {

/// Appends `s` as a JSON string literal (quotes included), Go-escaped.
void append_json_string(std::string& out, std::string_view s);

} // namespace vigil
