#include <boost/test/unit_test.hpp>

#include <cstring>
#include <random>

#include "messages/series_codec.hpp"

using namespace vigil;

BOOST_AUTO_TEST_SUITE(series_codec)

BOOST_AUTO_TEST_CASE(round_trips_labels_and_samples_bit_exactly) {
  std::mt19937_64 rng(42);
  std::vector<series> in;
  for (int i = 0; i < 50; ++i) {
    series s;
    s.lbls = labels{{"__name__", "m" + std::to_string(i % 3)}, {"i", std::to_string(i)}, {"x", "é\"\\"}};
    for (int j = 0; j < i; ++j) s.samples.push_back({static_cast<timestamp_ms>(rng()), std::bit_cast<double>(rng())});
    in.push_back(s);
  }
  in[3].samples.push_back({1, stale_nan()});
  auto bytes = messages::encode_series_set(in);
  auto out = messages::decode_series_set(bytes);
  BOOST_REQUIRE(out);
  BOOST_CHECK(*out == in);
}

BOOST_AUTO_TEST_CASE(decodes_unaligned_input) {
  std::vector<series> in{{labels{{"__name__", "a"}}, {{1, 2.0}}}};
  auto bytes = messages::encode_series_set(in);
  std::string shifted(1, 'x');
  shifted.append(bytes); // GCC 12 warns falsely (-Wrestrict) on "x" + bytes
  auto out = messages::decode_series_set(std::string_view(shifted).substr(1));
  BOOST_REQUIRE(out);
  BOOST_CHECK(*out == in);
}

BOOST_AUTO_TEST_CASE(rejects_malformed_bytes_without_throwing) {
  BOOST_CHECK(!messages::decode_series_set("abc"));
  std::string junk(64, '\xff');
  auto r = messages::decode_series_set(junk);
  BOOST_REQUIRE(!r);
  BOOST_CHECK(r.error().code() == errc::invalid_argument);
  auto good = messages::encode_series_set({{labels{{"__name__", "a"}}, {{1, 2.0}}}});
  auto truncated = good.substr(0, good.size() - 8);
  BOOST_CHECK(!messages::decode_series_set(truncated));
}

BOOST_AUTO_TEST_CASE(empty_set_round_trips) {
  auto out = messages::decode_series_set(messages::encode_series_set({}));
  BOOST_REQUIRE(out);
  BOOST_CHECK(out->empty());
}

BOOST_AUTO_TEST_SUITE_END()
