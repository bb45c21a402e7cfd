// Boost.Beast lives in this translation unit only (compile cost, see
// notes/stack.md §7-8). Asio under C++20 with Boost 1.74 needs <utility> first.
#include <utility>

#include "api/http_server.hpp"

#include <atomic>
#include <optional>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/span_body.hpp>

namespace vigil::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t read_buffer_reserve = 256 * 1024; // avoids 512-byte reads of big bodies

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket&& s, const handler& h, std::size_t max_body)
    : stream_(std::move(s)), handler_(h), max_body_(max_body) {
    buffer_.reserve(read_buffer_reserve);
  }

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

private:
  void read() {
    parser_.emplace();
    parser_->body_limit(max_body_);
    stream_.expires_after(std::chrono::seconds(60));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout) return close();
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      return write({413, "application/json",
                    "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"request body "
                    "exceeds " + std::to_string(max_body_) + " bytes (http.max_body_bytes)\"}",
                    {}, nullptr});
    }
    if (ec) return close();
    auto req = parser_->release();
    keep_alive_ = req.keep_alive();
    http_request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.content_type = std::string(req[http::field::content_type]);
    r.content_encoding = std::string(req[http::field::content_encoding]);
    r.body = std::move(req.body());
    auto self = shared_from_this();
    // An answer given at once (from this strand) is written without a trip
    // through the io_context's queue; one from another thread is posted.
    handler_(std::move(r), [self](http_response resp) {
      net::dispatch(self->stream_.get_executor(),
                    [self, resp = std::move(resp)]() mutable { self->write(std::move(resp)); });
    });
  }

  void write(http_response r) {
    if (r.shared_body) {
      auto body = std::move(r.shared_body); // kept alive until the write ends
      auto res = start_response<http::span_body<const char>>(r);
      res->body() = {body->data(), body->size()};
      return send(std::move(res), std::move(body));
    }
    auto res = start_response<http::string_body>(r);
    res->body() = std::move(r.body);
    send(std::move(res), nullptr);
  }

  template <class Body>
  std::shared_ptr<http::response<Body>> start_response(const http_response& r) {
    auto res = std::make_shared<http::response<Body>>();
    res->result(static_cast<unsigned>(r.status));
    res->version(11);
    res->set(http::field::server, "vigil");
    res->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(keep_alive_);
    return res;
  }

  template <class Body>
  void send(std::shared_ptr<http::response<Body>> res, std::shared_ptr<const std::string> keep) {
    res->prepare_payload();
    auto& msg = *res;
    http::async_write(stream_, msg,
                      [self = shared_from_this(), res = std::move(res), keep = std::move(keep)](beast::error_code ec,
                                                                                               std::size_t) {
                        if (ec || !self->keep_alive_) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const handler& handler_;
  std::size_t max_body_;
  bool keep_alive_ = false;
};

} // namespace

struct http_server::impl {
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  handler h;
  std::size_t max_body = 0;
  std::atomic<bool> stopped{false};

  void accept() {
    acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (stopped) return;
      if (!ec) {
        s.set_option(tcp::no_delay(true), ec);
        std::make_shared<session>(std::move(s), h, max_body)->run();
      }
      accept();
    });
  }
};

http_server::http_server() : impl_(std::make_unique<impl>()) {}

http_server::~http_server() { stop(); }

result<std::uint16_t> http_server::start(const http_options& opts, handler h) {
  impl_->h = std::move(h);
  impl_->max_body = opts.max_body_bytes;
  beast::error_code ec;
  auto addr = net::ip::make_address(opts.host, ec);
  if (ec) return invalid_argument("http listen address '" + opts.host + "': " + ec.message());
  tcp::endpoint ep{addr, opts.port};
  auto& acc = impl_->acceptor.emplace(impl_->ioc);
  auto where = opts.host + ":" + std::to_string(opts.port);
  if (acc.open(ep.protocol(), ec); ec) return io_error("cannot open " + where + ": " + ec.message());
  acc.set_option(net::socket_base::reuse_address(true), ec);
  if (acc.bind(ep, ec); ec) return io_error("cannot listen on " + where + ": " + ec.message());
  if (acc.listen(net::socket_base::max_listen_connections, ec); ec)
    return io_error("cannot listen on " + where + ": " + ec.message());
  auto port = acc.local_endpoint().port();
  impl_->accept();
  for (int i = 0; i < std::max(1, opts.threads); ++i)
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  return port;
}

void http_server::stop() {
  if (impl_->stopped.exchange(true)) return;
  net::post(impl_->ioc, [this] {
    beast::error_code ec;
    if (impl_->acceptor) impl_->acceptor->close(ec);
  });
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

} // namespace vigil::api
