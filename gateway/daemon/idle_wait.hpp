#pragma once
// How an idle worker sleeps: poll(2) on its ports' descriptors for at most
// `timeout_ms`. A socket whose interface went down (ENETDOWN) or away
// (ENODEV) keeps an error pending, and poll(2) reports POLLERR at once for
// as long as nobody reads it: the worker would spin on a core while the
// interface is down, and on AF_PACKET go on spinning after it is up again
// (the kernel hooks the socket back in, the error stays). idle_wait() reads
// and clears such errors (SO_ERROR), so the next wait sleeps again; the
// control thread watches the interfaces and says what happened
// (interface_watch.hpp).

#include <poll.h>

#include <cstddef>
#include <span>

namespace strait::daemon {

// Sleeps until a descriptor is readable or `timeout_ms` passes; returns the
// number of socket errors it found pending and cleared.
std::size_t idle_wait(std::span<pollfd> fds, int timeout_ms) noexcept;

}  // namespace strait::daemon
