#pragma once
// The narrow batch interface between the gateway and its I/O backends: one
// Port per (interface, queue). Backends own the packet memory (a FramePool;
// for AF_XDP the same pool is the UMEM the kernel writes into); the gateway
// moves packets between ports without copying them. Interface counters are
// kept here, once for every backend.

#include <cstddef>
#include <span>

#include "io/interface_counters.hpp"
#include "io/packet.hpp"

namespace strait::io {

class Port {
 public:
  virtual ~Port() = default;

  // Fills `out` with up to out.size() received packets; the caller owns them.
  std::size_t receive(std::span<Packet*> out) noexcept {
    const std::size_t n = do_receive(out);
    for (std::size_t i = 0; i < n; ++i)
      account(out[i], counters_.rxbytes, counters_.rxpackets, counters_.rxmcast, counters_.rxbcast);
    return n;
  }

  // Takes ownership of every packet: each one is sent, or released and
  // counted as txdrop.
  void transmit(std::span<Packet* const> packets) noexcept {
    for (Packet* p : packets)
      account(p, counters_.txbytes, counters_.txpackets, counters_.txmcast, counters_.txbcast);
    const std::size_t sent = do_transmit(packets);
    for (std::size_t i = sent; i < packets.size(); ++i) {
      Packet* p = packets[i];
      counters_.txbytes -= p->length;
      --counters_.txpackets;
      ++counters_.txdrop;
      release(p);
    }
  }

  // A packet the gateway originates (ICMP, ARP); nullptr when out of frames.
  // allocate() and release() may be called from any thread, concurrently
  // with receive() and transmit() on the port's own thread (the
  // key-exchange thread of strait run allocates the datagrams it sends and
  // releases those it received): every backend takes frames straight from
  // its FramePool, which is lock-free multi-producer multi-consumer, and
  // touches nothing else.
  virtual Packet* allocate() noexcept = 0;
  // Frees a packet of any port of the same backend (any thread, as above).
  virtual void release(Packet* packet) noexcept = 0;
  // Largest Ethernet frame this port can carry.
  virtual std::size_t max_frame_length() const noexcept = 0;

  InterfaceCounters& counters() noexcept { return counters_; }
  const InterfaceCounters& counters() const noexcept { return counters_; }
  // Adds to counters() what the kernel counted for the port and the port
  // cannot see frame by frame (AF_XDP: frames dropped because the socket's
  // RX ring was full or its fill ring empty). Called from the port's
  // thread or while it is paused, before counters are reported; a no-op
  // for backends that count everything themselves.
  virtual void collect_kernel_counters() noexcept {}

 protected:
  virtual std::size_t do_receive(std::span<Packet*> out) noexcept = 0;
  // Sends a prefix of `packets` and returns its length; the rest stay the
  // caller's.
  virtual std::size_t do_transmit(std::span<Packet* const> packets) noexcept = 0;

 private:
  static void account(const Packet* p, std::uint64_t& bytes, std::uint64_t& packets,
                      std::uint64_t& mcast, std::uint64_t& bcast) noexcept {
    bytes += p->length;
    ++packets;
    const bool group = p->length > 0 && (p->data[0] & 1);
    const bool broadcast = group && p->data[0] == 0xff && p->data[1] == 0xff &&
                           p->data[2] == 0xff && p->data[3] == 0xff && p->data[4] == 0xff &&
                           p->data[5] == 0xff;
    mcast += group && !broadcast;
    bcast += broadcast;
  }

  InterfaceCounters counters_;
};

}  // namespace strait::io
