// One Boost.Test main per module binary; suites live in the *_test.cpp files.
#define BOOST_TEST_MODULE vigil_tests
#include <boost/test/unit_test.hpp>
