#define BOOST_TEST_MODULE coprocess
#include "testing/coprocess.hpp"

#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>

using strait::testing::Coprocess;

BOOST_AUTO_TEST_CASE(lines_go_in_and_come_back_in_order) {
  Coprocess cat({"/bin/cat"});
  BOOST_TEST(cat.request("hello") == "hello");
  const std::string big(30000, 'x');  // many reads
  BOOST_TEST(cat.request(big) == big);
  BOOST_TEST(cat.request("") == "");
  BOOST_TEST(cat.finish() == 0);
  BOOST_CHECK_THROW(cat.request("again"), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(a_missing_program_or_a_silent_child_is_an_error) {
  BOOST_CHECK_THROW(Coprocess({"/nonexistent/program"}), std::runtime_error);
  // Exits at once without answering.
  Coprocess quiet({"/bin/true"});
  BOOST_CHECK_THROW(quiet.request("anything"), std::runtime_error);
  // Answers nothing within the timeout.
  Coprocess sleeper({"/bin/sleep", "1"});
  BOOST_CHECK_THROW(sleeper.request("x", 100), std::runtime_error);
}
