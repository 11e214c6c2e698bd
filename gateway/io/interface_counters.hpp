#pragma once
// Per-interface counters, named as CONFIG.md's gateway-state
// private-interface / public-interface containers.

#include <cstdint>

namespace strait::io {

struct InterfaceCounters {
  std::uint64_t rxbytes = 0;
  std::uint64_t rxpackets = 0;
  std::uint64_t rxmcast = 0;
  std::uint64_t rxbcast = 0;
  std::uint64_t rxdrop = 0;
  std::uint64_t rxerrors = 0;
  std::uint64_t txbytes = 0;
  std::uint64_t txpackets = 0;
  std::uint64_t txmcast = 0;
  std::uint64_t txbcast = 0;
  std::uint64_t txdrop = 0;
  std::uint64_t txerrors = 0;

  template <class Visitor>
  void visit(Visitor&& v) const {
    v("rxbytes", rxbytes), v("rxpackets", rxpackets), v("rxmcast", rxmcast);
    v("rxbcast", rxbcast), v("rxdrop", rxdrop), v("rxerrors", rxerrors);
    v("txbytes", txbytes), v("txpackets", txpackets), v("txmcast", txmcast);
    v("txbcast", txbcast), v("txdrop", txdrop), v("txerrors", txerrors);
  }
};

}  // namespace strait::io
