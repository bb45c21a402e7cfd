// Tests for store/label_dict.hpp: series records against a dictionary.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "store/label_codec.hpp"
#include "store/label_dict.hpp"

using namespace vigil;
using namespace vigil::store;

namespace {

std::vector<std::uint8_t> bytes_of(const labels& ls) {
  std::vector<std::uint8_t> out;
  append_labels(out, ls);
  return out;
}

labels node_cpu(int host, int cpu, const char* mode) {
  return labels{{"__name__", "node_cpu_seconds_total"}, {"instance", "10.0.0." + std::to_string(host) + ":9100"},
                {"job", "node"}, {"cpu", std::to_string(cpu)}, {"mode", mode}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(label_dict)

BOOST_AUTO_TEST_CASE(sets_round_trip_and_shrink_against_a_dictionary_of_their_kind) {
  std::vector<std::vector<std::uint8_t>> samples;
  for (int h = 0; h < 20; ++h) samples.push_back(bytes_of(node_cpu(h, h % 4, "idle")));
  const std::string dict = build_label_dict(samples, 1024);
  BOOST_TEST(dict.size() == 1024u);
  label_dict_encoder enc(dict);
  std::size_t raw = 0, packed = 0;
  for (int h = 100; h < 140; ++h)
    for (const char* mode : {"idle", "user", "system"}) {
      const auto in = bytes_of(node_cpu(h, h % 8, mode));
      std::vector<std::uint8_t> frame, back;
      enc.encode(in, frame);
      // Each set is encoded on its own: the same input gives the same bytes.
      std::vector<std::uint8_t> again;
      enc.encode(in, again);
      BOOST_TEST(frame == again);
      BOOST_REQUIRE(decompress_with_dict(frame, dict, back).is_ok());
      BOOST_TEST(back == in);
      raw += in.size();
      packed += frame.size();
    }
  BOOST_TEST(packed * 2 < raw, raw << " -> " << packed << " bytes");
}

BOOST_AUTO_TEST_CASE(damaged_frames_and_the_wrong_dictionary_are_corruption) {
  const std::vector<std::vector<std::uint8_t>> samples{bytes_of(node_cpu(1, 0, "idle"))};
  const std::string dict = build_label_dict(samples);
  label_dict_encoder enc(dict);
  std::vector<std::uint8_t> frame, out;
  enc.encode(bytes_of(node_cpu(2, 0, "idle")), frame);
  auto cut = frame;
  cut.resize(cut.size() - 3);
  BOOST_TEST((decompress_with_dict(cut, dict, out).code() == errc::corruption));
  BOOST_TEST(out.empty());
  const std::vector<std::uint8_t> huge_length{0xff, 0xff, 0xff, 0xff, 0x0f};
  BOOST_TEST((decompress_with_dict(huge_length, dict, out).code() == errc::corruption));
  // Another dictionary reads other bytes (or fails): never the same set.
  std::string other(dict.size(), 'x');
  auto st = decompress_with_dict(frame, other, out);
  BOOST_TEST((!st.is_ok() || out != bytes_of(node_cpu(2, 0, "idle"))));
}

BOOST_AUTO_TEST_SUITE_END()
