#include "net/address.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

namespace strait::net {

std::optional<Address> Address::parse(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  Address a;
  if (text.find(':') == std::string_view::npos) {
    a.family = Family::kIpv4;
    if (inet_pton(AF_INET, buf, a.bytes.data()) != 1) return std::nullopt;
  } else {
    a.family = Family::kIpv6;
    if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1) return std::nullopt;
  }
  return a;
}

Address Address::ipv4(const std::uint8_t* four_bytes) {
  Address a;
  std::memcpy(a.bytes.data(), four_bytes, 4);
  return a;
}

Address Address::ipv6(const std::uint8_t* sixteen_bytes) {
  Address a;
  a.family = Family::kIpv6;
  std::memcpy(a.bytes.data(), sixteen_bytes, 16);
  return a;
}

std::string Address::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == Family::kIpv4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = Address::parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  const auto digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  unsigned length = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    length = length * 10 + static_cast<unsigned>(c - '0');
  }
  if (length > address->size() * 8) return std::nullopt;
  // Host bits must be zero.
  for (std::size_t bit = length; bit < address->size() * 8; ++bit) {
    if (address->bytes[bit / 8] & (0x80 >> (bit % 8))) return std::nullopt;
  }
  return Prefix{*address, static_cast<std::uint8_t>(length)};
}

std::string Prefix::to_string() const {
  return address.to_string() + "/" + std::to_string(length);
}

std::optional<Mac> Mac::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  Mac m;
  for (int i = 0; i < 6; ++i) {
    if (i > 0 && text[static_cast<std::size_t>(i * 3 - 1)] != ':') return std::nullopt;
    unsigned v = 0;
    for (int j = 0; j < 2; ++j) {
      const char c = text[static_cast<std::size_t>(i * 3 + j)];
      unsigned d;
      if (c >= '0' && c <= '9')
        d = static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        d = static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        d = static_cast<unsigned>(c - 'A' + 10);
      else
        return std::nullopt;
      v = v * 16 + d;
    }
    m.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
  }
  return m;
}

std::string Mac::to_string() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2],
                bytes[3], bytes[4], bytes[5]);
  return buf;
}

bool Mac::is_broadcast() const {
  return *this == kBroadcastMac;
}

}  // namespace strait::net
