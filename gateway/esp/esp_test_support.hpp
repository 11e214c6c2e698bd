#pragma once
// Shared by the ESP tests (test use only, header-only; include after
// <boost/test/unit_test.hpp>): printing of DecryptStatus, an engine, and hex
// text that must decode.

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string_view>
#include <vector>

#include "base/hex.hpp"
#include "esp/engine.hpp"
#include "esp/transform.hpp"

namespace strait::esp {

inline std::ostream& operator<<(std::ostream& out, DecryptStatus status) {
  return out << static_cast<int>(status);
}

namespace test {

inline constexpr std::uint64_t kTwo32 = std::uint64_t{1} << 32;

inline std::unique_ptr<Engine> make_engine() {
  auto engine = Engine::create();
  BOOST_TEST_REQUIRE(engine.ok());
  return std::move(engine.value());
}

inline std::vector<std::uint8_t> hex(std::string_view text) {
  auto bytes = base::decode_hex(text);
  BOOST_TEST_REQUIRE(bytes.has_value());
  return *bytes;
}

}  // namespace test
}  // namespace strait::esp
