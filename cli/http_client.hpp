// cli/http_client.hpp - minimal blocking HTTP client (libcurl) for the CLI's
// query and push commands. Not used by the server.
#pragma once

#include <string>

#include "core/status.hpp"

namespace vigil::cli {

struct http_reply {
  long status = 0;
  std::string body;
};

/// GET url; io_error when the server cannot be reached.
result<http_reply> http_get(const std::string& url, long timeout_ms = 30000);

/// POST body with the given content type.
result<http_reply> http_post(const std::string& url, const std::string& content_type,
                             const std::string& body, long timeout_ms = 30000);

/// DELETE url.
result<http_reply> http_delete(const std::string& url, long timeout_ms = 30000);

/// Percent-encodes a query-string value.
std::string url_encode(const std::string& s);

} // namespace vigil::cli
