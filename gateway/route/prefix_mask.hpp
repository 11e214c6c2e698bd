#pragma once
// Prefix masking for the LPM tests and benchmark (test use only,
// header-only): an address with all bits past `length` cleared.

#include <algorithm>
#include <array>
#include <cstdint>

namespace strait::route::test {

using Bytes16 = std::array<std::uint8_t, 16>;

inline std::uint32_t mask4(std::uint32_t address, int length) {
  return length == 0 ? 0 : address & (0xFFFF'FFFFu << (32 - length));
}

inline Bytes16 mask6(Bytes16 address, int length) {
  for (int i = 0; i < 16; ++i) {
    int kept = std::clamp(length - i * 8, 0, 8);
    address[i] = static_cast<std::uint8_t>(address[i] & (0xFF00u >> kept));
  }
  return address;
}

}  // namespace strait::route::test
