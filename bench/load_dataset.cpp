// bench/load_dataset.cpp - loads the benchmark dataset (bench/dataset.hpp)
// into remote-write receivers (vigil, Prometheus with
// --web.enable-remote-write-receiver, VictoriaMetrics), one URL after the
// other, each getting exactly the same samples.
//
// usage: load_dataset [options] URL...
//   --jobs N --instances N --cpus N --hours H --seed S   dataset scale (dataset.hpp)
//   --end-ms T        timestamp of the last sample (default: now, rounded down to 5 min)
//   --conns C         concurrent connections per URL (default 2)
//   --chunk-steps K   samples per series per request (default 40 = 10 min)
//   --group G         instances per request (default 4: ~11k samples per request)
//   --describe        print the dataset's shape as JSON and exit (no URL needed)
//
// Every series' samples go out in time order (vigil rejects out-of-order
// samples per series): an instance belongs to one connection, which sends its
// requests chunk by chunk; all connections finish a chunk before any starts
// the next, so the whole load moves forward in time together (Prometheus
// rejects samples far behind its newest one). Prints one JSON line per URL; exit status 1 when a
// request failed (the first failure's status and body are in the JSON).
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>

#include "api/remote_write.hpp"
#include "bench/dataset.hpp"

using namespace vigil;

namespace {

std::size_t collect(char* p, std::size_t s, std::size_t n, void* ud) {
  auto* out = static_cast<std::string*>(ud);
  if (out->size() < 2000) out->append(p, std::min<std::size_t>(s * n, 2000 - out->size()));
  return s * n;
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\', o += c;
    else if (static_cast<unsigned char>(c) < 0x20) o += ' ';
    else o += c;
  }
  return o;
}

struct load_result {
  std::uint64_t samples = 0, requests = 0;
  int failures = 0;
  std::string first_error;
  double seconds = 0;
};

load_result load(const std::string& url, const bench::dataset_options& o, int conns, int chunk_steps, int group) {
  const int instances = o.instances();
  const int groups = (instances + group - 1) / group;
  std::atomic<std::uint64_t> samples{0}, requests{0};
  std::atomic<int> failures{0};
  std::mutex mu;
  std::string first_error;
  // Connections move through time together, one chunk at a time: Prometheus'
  // head only takes in-order samples within an hour or so of its newest one.
  std::barrier sync(conns);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < conns; ++c)
    threads.emplace_back([&, c] {
      // This connection's instance groups (g % conns == c), generators built once.
      std::vector<std::vector<bench::instance_generator>> mine;
      for (int g = c; g < groups; g += conns) {
        auto& v = mine.emplace_back();
        for (int i = g * group; i < std::min(instances, (g + 1) * group); ++i)
          v.emplace_back(o, i / o.instances_per_job, i % o.instances_per_job);
      }
      CURL* h = curl_easy_init();
      curl_slist* hd = nullptr;
      hd = curl_slist_append(hd, "Content-Type: application/x-protobuf");
      hd = curl_slist_append(hd, "Content-Encoding: snappy");
      hd = curl_slist_append(hd, "X-Prometheus-Remote-Write-Version: 0.1.0");
      hd = curl_slist_append(hd, "Expect:");
      std::string resp;
      curl_easy_setopt(h, CURLOPT_URL, url.c_str());
      curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
      curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
      curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
      const int steps = o.steps();
      for (int first = 0; first < steps; first += chunk_steps) {
        const int n = std::min(chunk_steps, steps - first);
        for (auto& gens : mine) {
          write_batch b;
          bench::append_steps(gens, n, b);
          const std::string body = api::encode_remote_write(b);
          curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
          curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
          resp.clear();
          long code = 0;
          CURLcode rc = curl_easy_perform(h);
          if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
          if (rc != CURLE_OK || code / 100 != 2) {
            if (failures++ == 0) {
              std::lock_guard lk(mu);
              first_error = rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP " + std::to_string(code) + ": " + resp;
            }
          }
          samples += b.sample_count();
          ++requests;
        }
        sync.arrive_and_wait();
      }
      curl_slist_free_all(hd);
      curl_easy_cleanup(h);
    });
  for (auto& t : threads) t.join();
  load_result r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.samples = samples;
  r.requests = requests;
  r.failures = failures;
  r.first_error = first_error;
  return r;
}

[[noreturn]] void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--jobs N] [--instances N] [--cpus N] [--hours H] [--seed S] [--end-ms T]\n"
               "          [--conns C] [--chunk-steps K] [--group G] [--describe] URL...\n",
               argv0);
  std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
  bench::dataset_options o;
  int conns = 2, chunk_steps = 40, group = 4;
  bool describe = false;
  std::vector<std::string> urls;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> long long {
      if (i + 1 >= argc) usage(argv[0]);
      char* end = nullptr;
      long long v = std::strtoll(argv[++i], &end, 10);
      if (*end != '\0') usage(argv[0]);
      return v;
    };
    if (a == "--jobs") o.jobs = static_cast<int>(val());
    else if (a == "--instances") o.instances_per_job = static_cast<int>(val());
    else if (a == "--cpus") o.cpus = static_cast<int>(val());
    else if (a == "--hours") o.hours = static_cast<int>(val());
    else if (a == "--seed") o.seed = static_cast<std::uint64_t>(val());
    else if (a == "--end-ms") o.end_ms = val();
    else if (a == "--conns") conns = static_cast<int>(val());
    else if (a == "--chunk-steps") chunk_steps = static_cast<int>(val());
    else if (a == "--group") group = static_cast<int>(val());
    else if (a == "--describe") describe = true;
    else if (a.starts_with("--")) usage(argv[0]);
    else urls.push_back(a);
  }
  if (o.jobs < 1 || o.instances_per_job < 1 || o.cpus < 1 || o.hours < 1 || conns < 1 || chunk_steps < 1 || group < 1)
    usage(argv[0]);
  if (o.end_ms == 0) {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
    o.end_ms = now / 300000 * 300000;
  }
  if (describe) {
    std::printf("{\"jobs\": %d, \"instances_per_job\": %d, \"cpus\": %d, \"hours\": %d, \"seed\": %llu, "
                "\"step_ms\": %lld, \"start_ms\": %lld, \"end_ms\": %lld, \"steps\": %d, \"series\": %zu, "
                "\"samples\": %llu}\n",
                o.jobs, o.instances_per_job, o.cpus, o.hours, static_cast<unsigned long long>(o.seed),
                static_cast<long long>(o.step_ms), static_cast<long long>(o.start_ms()),
                static_cast<long long>(o.end_ms), o.steps(), o.series(),
                static_cast<unsigned long long>(o.samples()));
    return 0;
  }
  if (urls.empty()) usage(argv[0]);
  curl_global_init(CURL_GLOBAL_ALL);
  int rc = 0;
  for (const auto& url : urls) {
    auto r = load(url, o, conns, chunk_steps, group);
    std::printf("{\"url\": \"%s\", \"series\": %zu, \"samples\": %llu, \"requests\": %llu, \"seconds\": %.3f, "
                "\"samples_per_second\": %.0f, \"failures\": %d, \"first_error\": \"%s\"}\n",
                json_escape(url).c_str(), o.series(), static_cast<unsigned long long>(r.samples),
                static_cast<unsigned long long>(r.requests), r.seconds, r.samples / r.seconds, r.failures,
                json_escape(r.first_error).c_str());
    std::fflush(stdout);
    if (r.failures) rc = 1;
  }
  curl_global_cleanup();
  return rc;
}
