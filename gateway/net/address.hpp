#pragma once
// IP addresses, prefixes and MAC addresses as configured and as carried in
// packets. An IPv4 address fills the first 4 bytes of the 16-byte field and
// the rest is zero: the layout of PROTOCOL.md's key-exchange prologue.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strait::net {

enum class Family : std::uint8_t { kIpv4 = 4, kIpv6 = 6 };

struct Address {
  Family family = Family::kIpv4;
  std::array<std::uint8_t, 16> bytes{};

  static std::optional<Address> parse(std::string_view text);  // either family
  static Address ipv4(const std::uint8_t* four_bytes);
  static Address ipv6(const std::uint8_t* sixteen_bytes);
  std::size_t size() const { return family == Family::kIpv4 ? 4 : 16; }
  const std::uint8_t* data() const { return bytes.data(); }
  std::string to_string() const;
  bool operator==(const Address&) const = default;
};

struct Prefix {
  Address address;  // host bits are zero
  std::uint8_t length = 0;

  // "10.1.0.0/16" or "2001:db8::/32". Rejects set host bits and bad lengths.
  static std::optional<Prefix> parse(std::string_view text);
  std::string to_string() const;
  bool operator==(const Prefix&) const = default;
};

struct Mac {
  std::array<std::uint8_t, 6> bytes{};

  static std::optional<Mac> parse(std::string_view text);  // "0a:cc:b1:e4:24:d2"
  std::string to_string() const;
  bool is_broadcast() const;
  bool is_multicast() const { return (bytes[0] & 1) != 0; }
  bool operator==(const Mac&) const = default;
};

constexpr Mac kBroadcastMac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

}  // namespace strait::net
