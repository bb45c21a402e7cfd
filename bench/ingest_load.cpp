// bench/ingest_load.cpp - the ingest benchmark's generator and sender
// (bench/README.md, part 2; the data is described in ingest_gen.hpp).
//
// The stream of requests is split into PARTS parts in time order. A part is
// encoded in memory before any of it is sent, then sent as is to each URL in
// turn, so every system gets the same bytes and the sender only measures the
// servers. Sending: CONNS keep-alive HTTP/1.1 connections (libcurl). A host
// batch's requests go out in time order, one at a time: a connection takes
// the batch whose next step is the earliest among the batches not in flight
// (as Prometheus' remote-write shards keep each series on one shard, but
// balanced), so all batches move forward in time together.
//
// usage:
//   ingest_load [options] --describe          the data's shape as JSON
//   ingest_load [options] URL...              every part to each URL in turn;
//                                             one JSON line per (part, URL)
//   ingest_load [options] --control           commands on stdin, one JSON line
//                                             each on stdout (for ingest_bench.py):
//       next        encode the next part
//       send URL    send the current part to URL
//       send_paced RATE URL
//                   the same, at RATE samples/s overall: request k goes out
//                   no earlier than start + (samples of the requests handed
//                   out before it) / RATE (latency: from when it went out;
//                   "late_ms" tells how far behind that schedule the sender fell)
//       quit
// options: --hosts N (96) --steps N (160) --hosts-per-request N (10)
//          --parts N (4) --seed S (42) --end-ms T (default: now - 60 s, whole
//          seconds) --conns N (4) --timeout SECONDS (60, per request)
// Exit status: 1 when a request failed (non-2xx or transport error), 2 on
// bad usage.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>

#include "api/remote_write.hpp"
#include "bench/ingest_gen.hpp"

using namespace vigil;
using bench::ingest_request;

namespace {

std::string json_escape(std::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\', o += c;
    else if (static_cast<unsigned char>(c) < 0x20) o += ' ';
    else o += c;
  }
  return o;
}

std::size_t collect(char* p, std::size_t s, std::size_t n, void* ud) {
  auto* out = static_cast<std::string*>(ud);
  if (out->size() < 1000) out->append(p, std::min<std::size_t>(s * n, 1000 - out->size()));
  return s * n;
}

/// Hands out requests so that a batch never has two in flight and the
/// earliest pending step goes first. Thread-safe.
class scheduler {
public:
  scheduler(int batches, int steps) : next_(static_cast<std::size_t>(batches), 0), busy_(next_.size()), steps_(steps) {}

  /// The next request index (step * batches + batch), or -1 when all are done.
  long take() {
    std::unique_lock lk(mu_);
    for (;;) {
      long best = -1;
      for (std::size_t b = 0; b < next_.size(); ++b)
        if (!busy_[b] && next_[b] < steps_ && (best < 0 || next_[b] < next_[static_cast<std::size_t>(best)]))
          best = static_cast<long>(b);
      if (best >= 0) {
        busy_[static_cast<std::size_t>(best)] = true;
        return static_cast<long>(next_[static_cast<std::size_t>(best)]) * static_cast<long>(next_.size()) + best;
      }
      if (std::none_of(busy_.begin(), busy_.end(), [](bool b) { return b; })) return -1;
      cv_.wait(lk);
    }
  }
  void done(long index) {
    std::lock_guard lk(mu_);
    const auto b = static_cast<std::size_t>(index % static_cast<long>(next_.size()));
    busy_[b] = false;
    ++next_[b];
    cv_.notify_all();
  }

private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int> next_;
  std::vector<bool> busy_;
  int steps_;
};

struct send_result {
  std::uint64_t samples = 0, bytes = 0;
  std::size_t requests = 0;
  int failures = 0;
  std::string first_error;
  double seconds = 0;
  std::vector<std::uint32_t> latency_us; // per request, in completion order
  double rate_target = 0;                // samples/s (0: as fast as the server takes them)
  double late_ms = 0;                    // paced: the most a request went out behind its schedule
};

/// Sends every request of `reqs` to `url`; at `rate` samples/s overall when
/// rate > 0, else as fast as the server answers.
send_result send_part(const std::string& url, const std::vector<ingest_request>& reqs, int batches, int conns,
                      long timeout_s, double rate = 0) {
  send_result res;
  res.rate_target = rate;
  if (reqs.empty()) return res;
  scheduler sched(batches, static_cast<int>(reqs.size()) / batches);
  std::mutex mu;
  std::uint64_t paced_samples = 0; // handed out so far (paced)
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < conns; ++c)
    threads.emplace_back([&] {
      CURL* h = curl_easy_init();
      curl_slist* hd = nullptr;
      for (const char* x : {"Content-Type: application/x-protobuf", "Content-Encoding: snappy",
                            "X-Prometheus-Remote-Write-Version: 0.1.0", "User-Agent: vigil-ingest-bench", "Expect:"})
        hd = curl_slist_append(hd, x);
      std::string resp;
      curl_easy_setopt(h, CURLOPT_URL, url.c_str());
      curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
      curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
      curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
      curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
      std::vector<std::uint32_t> lat;
      for (long i; (i = sched.take()) >= 0;) {
        const auto& r = reqs[static_cast<std::size_t>(i)];
        if (rate > 0) {
          std::chrono::steady_clock::time_point due;
          {
            std::lock_guard lk(mu);
            due = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(static_cast<double>(paced_samples) / rate));
            paced_samples += r.samples;
          }
          std::this_thread::sleep_until(due);
          const double late = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - due).count();
          std::lock_guard lk(mu);
          res.late_ms = std::max(res.late_ms, late);
        }
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, r.body.data());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
        resp.clear();
        long code = 0;
        const auto t0 = std::chrono::steady_clock::now();
        const CURLcode rc = curl_easy_perform(h);
        lat.push_back(static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count()));
        if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        sched.done(i);
        if (rc != CURLE_OK || code / 100 != 2) {
          std::lock_guard lk(mu);
          if (res.failures++ == 0)
            res.first_error = rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP " + std::to_string(code) + ": " + resp;
        }
      }
      std::lock_guard lk(mu);
      res.latency_us.insert(res.latency_us.end(), lat.begin(), lat.end());
      curl_slist_free_all(hd);
      curl_easy_cleanup(h);
    });
  for (auto& t : threads) t.join();
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& r : reqs) res.samples += r.samples, res.bytes += r.body.size();
  res.requests = reqs.size();
  return res;
}

std::string to_json(const std::string& url, int part, const send_result& r) {
  std::string s = "{\"url\": \"" + json_escape(url) + "\", \"part\": " + std::to_string(part) +
                  ", \"samples\": " + std::to_string(r.samples) + ", \"requests\": " + std::to_string(r.requests) +
                  ", \"bytes\": " + std::to_string(r.bytes) + ", \"seconds\": " + std::to_string(r.seconds) +
                  ", \"rate_target\": " + std::to_string(r.rate_target) + ", \"late_ms\": " +
                  std::to_string(r.late_ms) + ", \"failures\": " + std::to_string(r.failures) + ", \"first_error\": \"" +
                  json_escape(r.first_error) + "\", \"latency_us\": [";
  for (std::size_t i = 0; i < r.latency_us.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(r.latency_us[i]);
  }
  return s + "]}";
}

/// The current part: its requests and what encoding it cost.
struct part_state {
  int index = -1, first_step = 0, steps = 0;
  std::vector<ingest_request> reqs;
};

/// Encodes the next part; checks its first request with vigil's own decoder
/// (labels valid, sample count right), so an encoder bug fails loudly here.
std::string next_part(bench::ingest_generator& gen, int parts, part_state& p) {
  const auto& o = gen.options();
  if (p.index + 1 >= parts) return "{\"error\": \"all parts were sent\"}";
  ++p.index;
  // Part k holds steps [k * steps / parts, (k + 1) * steps / parts): none is empty.
  const int end = static_cast<int>(static_cast<long long>(p.index + 1) * o.steps / parts);
  p.reqs.clear();
  p.reqs.shrink_to_fit();
  p.first_step = gen.next_step();
  const auto t0 = std::chrono::steady_clock::now();
  p.steps = gen.encode_steps(end - p.first_step, p.reqs);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::uint64_t samples = 0, bytes = 0, raw = 0;
  for (const auto& r : p.reqs) samples += r.samples, bytes += r.body.size(), raw += r.raw_bytes;
  std::string error;
  if (!p.reqs.empty()) {
    auto b = api::decode_remote_write(p.reqs.front().body);
    if (!b) error = "generated request does not decode: " + b.error().message();
    else if (b->sample_count() != p.reqs.front().samples) error = "generated request decodes to a wrong sample count";
  }
  return "{\"part\": " + std::to_string(p.index) + ", \"first_step\": " + std::to_string(p.first_step) +
         ", \"steps\": " + std::to_string(p.steps) + ", \"requests\": " + std::to_string(p.reqs.size()) +
         ", \"samples\": " + std::to_string(samples) + ", \"bytes\": " + std::to_string(bytes) +
         ", \"raw_bytes\": " + std::to_string(raw) + ", \"encode_seconds\": " + std::to_string(secs) +
         ", \"error\": \"" + json_escape(error) + "\"}";
}

std::string describe(const bench::ingest_generator& gen, int parts, int conns) {
  const auto& o = gen.options();
  std::string names;
  for (const auto& [n, c] : gen.series_per_name()) {
    names += names.empty() ? "\"" : ", \"";
    names += n;
    names += "\": ";
    names += std::to_string(c);
  }
  return "{\"hosts\": " + std::to_string(o.hosts) + ", \"steps\": " + std::to_string(o.steps) +
         ", \"hosts_per_request\": " + std::to_string(o.hosts_per_request) + ", \"batches\": " +
         std::to_string(o.batches()) + ", \"parts\": " + std::to_string(parts) + ", \"conns\": " +
         std::to_string(conns) + ", \"seed\": " + std::to_string(o.seed) + ", \"step_ms\": " +
         std::to_string(o.step_ms) + ", \"end_ms\": " + std::to_string(o.end_ms) + ", \"min_time_ms\": " +
         std::to_string(gen.min_time()) + ", \"max_time_ms\": " + std::to_string(gen.max_time()) +
         ", \"series\": " + std::to_string(gen.series()) + ", \"samples\": " + std::to_string(gen.samples()) +
         ", \"series_per_name\": {" + names + "}}";
}

[[noreturn]] void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--hosts N] [--steps N] [--hosts-per-request N] [--parts N] [--seed S] [--end-ms T]\n"
               "          [--conns N] [--timeout S] (--describe | --control | URL...)\n",
               argv0);
  std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
  bench::ingest_options o;
  int parts = 4, conns = 4;
  long timeout_s = 60;
  bool describe_only = false, control = false;
  std::vector<std::string> urls;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto val = [&]() -> long long {
      if (i + 1 >= argc) usage(argv[0]);
      char* end = nullptr;
      const long long v = std::strtoll(argv[++i], &end, 10);
      if (*end != '\0') usage(argv[0]);
      return v;
    };
    if (a == "--hosts") o.hosts = static_cast<int>(val());
    else if (a == "--steps") o.steps = static_cast<int>(val());
    else if (a == "--hosts-per-request") o.hosts_per_request = static_cast<int>(val());
    else if (a == "--parts") parts = static_cast<int>(val());
    else if (a == "--seed") o.seed = static_cast<std::uint64_t>(val());
    else if (a == "--end-ms") o.end_ms = val();
    else if (a == "--conns") conns = static_cast<int>(val());
    else if (a == "--timeout") timeout_s = static_cast<long>(val());
    else if (a == "--describe") describe_only = true;
    else if (a == "--control") control = true;
    else if (a.starts_with("--")) usage(argv[0]);
    else urls.push_back(a);
  }
  if (o.hosts < 1 || o.steps < 1 || o.hosts_per_request < 1 || parts < 1 || parts > o.steps || conns < 1 ||
      timeout_s < 1 || (!describe_only && !control && urls.empty()))
    usage(argv[0]);
  if (o.end_ms == 0) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    o.end_ms = (std::chrono::duration_cast<std::chrono::milliseconds>(now).count() - 60000) / 1000 * 1000;
  }
  bench::ingest_generator gen(o);
  if (describe_only) {
    std::printf("%s\n", describe(gen, parts, conns).c_str());
    return 0;
  }
  curl_global_init(CURL_GLOBAL_ALL);
  part_state p;
  int failures = 0;
  if (control) {
    for (std::string line; std::getline(std::cin, line);) {
      std::string out;
      if (line == "next") out = next_part(gen, parts, p);
      else if (line.starts_with("send ")) {
        const auto r = send_part(line.substr(5), p.reqs, o.batches(), conns, timeout_s);
        failures += r.failures;
        out = to_json(line.substr(5), p.index, r);
      } else if (line.starts_with("send_paced ")) {
        char* end = nullptr;
        const double rate = std::strtod(line.c_str() + 11, &end);
        if (end == line.c_str() + 11 || *end != ' ' || !(rate > 0)) {
          out = "{\"error\": \"usage: send_paced RATE URL\"}";
        } else {
          const std::string url = end + 1;
          const auto r = send_part(url, p.reqs, o.batches(), conns, timeout_s, rate);
          failures += r.failures;
          out = to_json(url, p.index, r);
        }
      } else if (line == "describe") out = describe(gen, parts, conns);
      else if (line == "quit") break;
      else out = "{\"error\": \"unknown command\"}";
      std::printf("%s\n", out.c_str());
      std::fflush(stdout);
    }
  } else {
    while (gen.next_step() < o.steps) {
      std::fprintf(stderr, "%s\n", next_part(gen, parts, p).c_str());
      for (const auto& url : urls) {
        const auto r = send_part(url, p.reqs, o.batches(), conns, timeout_s);
        failures += r.failures;
        std::printf("%s\n", to_json(url, p.index, r).c_str());
        std::fflush(stdout);
      }
    }
  }
  curl_global_cleanup();
  return failures ? 1 : 0;
}
