// bench/remote_write_load.cpp - a remote-write load generator: pre-encodes
// Prometheus remote-write requests (snappy + protobuf) shaped like a fleet of
// scrapers, posts them with C concurrent keep-alive connections, and reports
// samples/s. Works against any remote-write receiver (vigil, Prometheus with
// --web.enable-remote-write-receiver, VictoriaMetrics).
//
// usage: remote_write_load URL SERIES ROUNDS [CONNECTIONS=4] [SERIES_PER_REQUEST=2000]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>

#include "api/remote_write.hpp"

using namespace vigil;

namespace {

std::size_t discard(char*, std::size_t s, std::size_t n, void*) { return s * n; }

std::vector<std::string> make_requests(int series, int rounds, int per_request, timestamp_ms t0,
                                       std::uint64_t& total_samples) {
  std::vector<std::string> out;
  for (int r = 0; r < rounds; ++r) {
    for (int first = 0; first < series; first += per_request) {
      write_batch b;
      for (int s = first; s < std::min(series, first + per_request); ++s) {
        labels l{{"__name__", "bench_metric_" + std::to_string(s % 50)},
                 {"instance", "host-" + std::to_string(s / 50 % 100) + ":9100"},
                 {"job", "node"},
                 {"series", std::to_string(s)}};
        // Counter-like values with some jitter, 15 s scrape interval.
        double v = r * 10.0 + (s % 7) + (r % 3) * 0.25;
        b.items.push_back({std::move(l), {{t0 + r * 15000, v}}});
        ++total_samples;
      }
      out.push_back(api::encode_remote_write(b));
    }
  }
  return out;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s URL SERIES ROUNDS [CONNECTIONS=4] [SERIES_PER_REQUEST=2000]\n", argv[0]);
    return 2;
  }
  std::string url = argv[1];
  int series = std::atoi(argv[2]), rounds = std::atoi(argv[3]);
  int conns = argc > 4 ? std::atoi(argv[4]) : 4;
  int per_request = argc > 5 ? std::atoi(argv[5]) : 2000;
  std::uint64_t total = 0;
  auto t0 = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch()).count() - rounds * 15000LL;
  auto reqs = make_requests(series, rounds, per_request, t0, total);
  curl_global_init(CURL_GLOBAL_ALL);
  std::atomic<int> failures{0};
  const std::size_t per_round = (series + per_request - 1) / per_request;
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  // Samples of one series must arrive in time order: connection c owns the
  // requests whose position within a round is c modulo CONNECTIONS, and sends
  // them round by round.
  for (int c = 0; c < conns; ++c)
    threads.emplace_back([&, c] {
      CURL* h = curl_easy_init();
      curl_slist* hd = nullptr;
      hd = curl_slist_append(hd, "Content-Type: application/x-protobuf");
      hd = curl_slist_append(hd, "Content-Encoding: snappy");
      hd = curl_slist_append(hd, "X-Prometheus-Remote-Write-Version: 0.1.0");
      hd = curl_slist_append(hd, "Expect:");
      curl_easy_setopt(h, CURLOPT_URL, url.c_str());
      curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
      curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
      for (std::size_t i = 0; i < reqs.size(); ++i) {
        if ((i % per_round) % static_cast<std::size_t>(conns) != static_cast<std::size_t>(c)) continue;
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, reqs[i].data());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(reqs[i].size()));
        long code = 0;
        if (curl_easy_perform(h) != CURLE_OK ||
            (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code), code / 100 != 2))
          ++failures;
      }
      curl_slist_free_all(hd);
      curl_easy_cleanup(h);
    });
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"samples\": %llu, \"requests\": %zu, \"seconds\": %.3f, \"samples_per_second\": %.0f, \"failures\": %d}\n",
              static_cast<unsigned long long>(total), reqs.size(), secs, total / secs, failures.load());
  return failures == 0 ? 0 : 1;
}
