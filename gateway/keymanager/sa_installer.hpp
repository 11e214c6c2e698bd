#pragma once
// Where a key manager puts the SAs it negotiates: the changes it makes to
// its queue's data plane (tunnel::SaDatabase). Two implementations:
// DirectSaInstaller (below) changes the SaDatabase at once, when the key
// manager runs on the worker's own thread; SaUpdateQueue
// (sa_update_queue.hpp) queues the changes for the worker to apply between
// two batches, when the key manager runs on a thread of its own. The key
// manager keeps its own view of what it installed and never reads the
// SaDatabase, so it works the same way with either.

#include <cstdint>
#include <span>

#include "esp/security_association.hpp"
#include "net/address.hpp"
#include "tunnel/sa_database.hpp"

namespace strait::keymanager {

class SaInstaller {
 public:
  virtual ~SaInstaller() = default;

  // Installs (replacing any previous) the outbound SA of a route. False if
  // it certainly failed (no memory); a queued change reports its failure
  // on the worker's side instead.
  virtual bool set_outbound(std::uint32_t route, const esp::SaParameters& parameters) = 0;
  virtual void remove_outbound(std::uint32_t route) = 0;
  // Adds an inbound SA (its SPI is not installed yet). False as above.
  virtual bool add_inbound(std::uint32_t route, const esp::SaParameters& parameters) = 0;
  virtual void remove_inbound(std::uint32_t spi) = 0;
  // NAT traversal: an authenticated key-exchange message of a route with
  // udp-encapsulation came from (address, port) (SaDatabase::learn_endpoint).
  virtual void set_endpoint(std::uint32_t route, const net::Address& address,
                            std::uint16_t port) = 0;

  // Reconfiguration only (KeyManager::reconfigure), while the data plane
  // is quiescent: every change made before takes effect first, then
  // SaDatabase::remap_routes / set_gateway.
  virtual void remap_routes(std::span<const std::uint32_t> new_index, std::size_t route_count) = 0;
  virtual void set_gateway(std::uint32_t route, const net::Address& gateway) = 0;
};

// Changes the SaDatabase at once (same thread).
class DirectSaInstaller final : public SaInstaller {
 public:
  explicit DirectSaInstaller(tunnel::SaDatabase& sas) : sas_(sas) {}

  bool set_outbound(std::uint32_t route, const esp::SaParameters& parameters) override {
    return sas_.set_outbound(route, parameters);
  }
  void remove_outbound(std::uint32_t route) override { sas_.remove_outbound(route); }
  bool add_inbound(std::uint32_t route, const esp::SaParameters& parameters) override {
    return sas_.add_inbound(route, parameters);
  }
  void remove_inbound(std::uint32_t spi) override { sas_.remove_inbound(spi); }
  void set_endpoint(std::uint32_t route, const net::Address& address, std::uint16_t port) override {
    sas_.learn_endpoint(route, address, port);
  }
  void remap_routes(std::span<const std::uint32_t> new_index, std::size_t route_count) override {
    sas_.remap_routes(new_index, route_count);
  }
  void set_gateway(std::uint32_t route, const net::Address& gateway) override {
    sas_.set_gateway(route, gateway);
  }

 private:
  tunnel::SaDatabase& sas_;
};

}  // namespace strait::keymanager
