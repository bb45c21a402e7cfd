// api/http_server.hpp - the HTTP/1.1 listener (Boost.Beast). The only header
// of vigil that names the HTTP server; the only .cpp that includes Beast.
//
// Requests are handed to one `handler` callback together with a `responder`.
// The handler may answer at once or later from any thread (e.g. a CAF worker
// when an actor replies): the responder hands the answer to the
// connection's strand (at once when called from it, else posted). Each
// responder must be called exactly once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.hpp"

namespace vigil::api {

struct http_request {
  std::string method;       ///< "GET", "POST", ...
  std::string target;       ///< path plus query string, as sent
  std::string content_type;
  std::string content_encoding;
  std::string body;
};

struct http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// When set, sent as the body instead of `body`, without a copy (an answer
  /// kept for identical requests, e.g. query/response_memo.hpp).
  std::shared_ptr<const std::string> shared_body;
};

using responder = std::function<void(http_response)>;
using handler = std::function<void(http_request&&, responder)>;

struct http_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9201;           ///< 0 picks a free port
  int threads = 1;                     ///< io threads
  std::size_t max_body_bytes = 64 << 20; ///< larger bodies get 413
};

class http_server {
public:
  http_server();
  ~http_server(); ///< stops and joins the io threads
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds, listens and starts the io threads. Returns the bound port, or
  /// io_error naming the address when binding fails.
  result<std::uint16_t> start(const http_options& opts, handler h);

  /// Stops accepting, closes connections and joins the threads. Idempotent.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace vigil::api
