// dist/example.conf, the example configuration `make install` and the
// Debian package ship: it loads, draws no warning, describes the lab's
// vita-paris (netns-lab/vita-paris.conf, which the lab and the simulator
// run) and holds only a placeholder key.
#define BOOST_TEST_MODULE example_conf
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>

#include "config/load.hpp"
#include "config/warnings.hpp"

using namespace strait;

namespace {

const std::string kExample = STRAIT_SOURCE_DIR "/dist/example.conf";
const std::string kLabParis = STRAIT_SOURCE_DIR "/netns-lab/vita-paris.conf";

}  // namespace

BOOST_AUTO_TEST_CASE(the_example_loads_without_warnings) {
  auto example = config::load_file(kExample);
  if (!example.ok()) BOOST_FAIL(example.error().message);
  const auto warnings = config::warnings_of(*example);
  for (const auto& warning : warnings)
    BOOST_TEST_MESSAGE(warning);
  BOOST_TEST(warnings.empty());
}

BOOST_AUTO_TEST_CASE(the_example_is_the_labs_vita_paris_but_for_the_key) {
  auto example = config::load_file(kExample);
  auto lab = config::load_file(kLabParis);
  BOOST_REQUIRE(example.ok());
  if (!lab.ok()) BOOST_FAIL(lab.error().message);
  BOOST_TEST((example->family == lab->family));
  BOOST_TEST((example->private_interface == lab->private_interface));
  BOOST_TEST((example->public_interfaces == lab->public_interfaces));
  BOOST_TEST(example->mtu == lab->mtu);
  BOOST_TEST(example->data_plane == lab->data_plane);
  BOOST_TEST(example->sa_ttl == lab->sa_ttl);
  BOOST_TEST(example->negotiation_ttl == lab->negotiation_ttl);
  BOOST_REQUIRE_EQUAL(example->routes.size(), lab->routes.size());
  for (std::size_t i = 0; i < example->routes.size(); ++i) {
    const auto& e = example->routes[i];
    const auto& l = lab->routes[i];
    BOOST_TEST(e.id == l.id);
    BOOST_TEST(e.net.to_string() == l.net.to_string());
    BOOST_TEST(e.spi == l.spi);
    BOOST_REQUIRE_EQUAL(e.gateways.size(), l.gateways.size());
    for (std::size_t g = 0; g < e.gateways.size(); ++g) {
      BOOST_TEST(e.gateways[g].queue == l.gateways[g].queue);
      BOOST_TEST(e.gateways[g].ip.to_string() == l.gateways[g].ip.to_string());
    }
  }
}

// A key printed in a shipped file is public: the example's must be the
// obvious all-zero placeholder, never one that looks real.
BOOST_AUTO_TEST_CASE(the_example_key_is_the_all_zero_placeholder) {
  auto example = config::load_file(kExample);
  BOOST_REQUIRE(example.ok());
  for (const auto& route : example->routes) {
    const auto key = route.preshared_key.span();
    BOOST_TEST(std::all_of(key.begin(), key.end(), [](std::uint8_t b) { return b == 0; }),
               "route " << route.id << ": the preshared-key is not the all-zero placeholder");
  }
}
