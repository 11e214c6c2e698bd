#pragma once
// A send-only AF_PACKET socket for `strait flood`: bound to one interface
// with protocol 0 (it receives nothing, so the traffic it floods costs it
// no ring), PACKET_QDISC_BYPASS (frames go straight to the driver), and
// batches handed over with one sendmmsg(2) each.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/result.hpp"
#include "net/address.hpp"

namespace strait::flood {

class PacketSender {
 public:
  static base::Result<std::unique_ptr<PacketSender>> open(const std::string& ifname);
  ~PacketSender();
  PacketSender(const PacketSender&) = delete;
  PacketSender& operator=(const PacketSender&) = delete;

  const net::Mac& mac() const noexcept { return mac_; }
  const std::string& ifname() const noexcept { return ifname_; }

  // Sends frames[i] (lengths[i] bytes each) in order, as many as the
  // kernel takes in one sendmmsg(2): returns how many it took (a prefix);
  // 0 when it took none for want of buffers (ENOBUFS, EAGAIN); an error
  // for anything else (the interface went down, ...).
  base::Result<std::size_t> send(std::span<std::uint8_t* const> frames,
                                 std::span<const std::size_t> lengths) noexcept;

 private:
  PacketSender(int fd, std::string ifname, net::Mac mac)
      : fd_(fd), ifname_(std::move(ifname)), mac_(mac) {}
  int fd_;
  std::string ifname_;
  net::Mac mac_;
};

}  // namespace strait::flood
