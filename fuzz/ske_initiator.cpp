// Fuzz target: the gateway's key-exchange initiator against a live peer
// (ske_session.hpp: the input format, and the property checked). The
// gateway's key manager runs its vita-ske state machines on a ManualClock;
// the peer's messages are genuine, flipped, replayed or made up.
#include <cstddef>
#include <cstdint>

#include "base/log.hpp"
#include "ske_session.hpp"

using namespace strait;
using namespace strait::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  base::set_log_muted(true);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return run_ske_session(SkeRole::kGatewayInitiates, data, size);
}
