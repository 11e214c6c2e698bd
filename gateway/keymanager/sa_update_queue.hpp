#pragma once
// SaUpdateQueue: the SaInstaller of a key manager that runs on a thread of
// its own (the key-exchange thread of strait run). Each change becomes an
// SaUpdate on a lock-free single-producer single-consumer queue; the
// queue's worker applies them to its SaDatabase between two batches
// (apply()), so the data plane never waits and is only changed by its own
// thread.
//
// Key material: the queue's slots live in libsodium's secure memory
// (locked, guarded, not dumped) and every SaUpdate wipes its parameters
// when it is destroyed, so a slot holds a key only between push and apply.
// When the queue is full the key-exchange side keeps later updates, in
// order, in a backlog in locked memory (base::LockedPool) and moves them on
// with flush(); nothing is dropped, and every update that had to wait is
// counted (deferred()); only running out of memory for the backlog as
// well loses one, which is counted too (lost()). An update that fails on the worker's side (no
// memory for an SA) is counted there (failed()).

#include <sodium.h>

#include <boost/lockfree/spsc_queue.hpp>
#include <cstdint>
#include <deque>

#include "base/locked_pool.hpp"
#include "base/secure_allocator.hpp"
#include "keymanager/sa_installer.hpp"
#include "tunnel/sa_database.hpp"

namespace strait::keymanager {

struct SaUpdate {
  enum class Kind : std::uint32_t {
    kSetOutbound,
    kRemoveOutbound,
    kAddInbound,
    kRemoveInbound,
    kSetEndpoint
  };
  Kind kind = Kind::kRemoveOutbound;
  std::uint32_t route = 0;          // kSetOutbound, kRemoveOutbound, kAddInbound, kSetEndpoint
  esp::SaParameters parameters{};   // kSetOutbound, kAddInbound; spi alone for kRemoveInbound
  net::Address endpoint{};          // kSetEndpoint
  std::uint16_t endpoint_port = 0;  // kSetEndpoint

  SaUpdate() = default;
  SaUpdate(Kind k, std::uint32_t r, const esp::SaParameters& p)
      : kind(k), route(r), parameters(p) {}
  SaUpdate(const SaUpdate&) = default;
  SaUpdate& operator=(const SaUpdate&) = default;
  ~SaUpdate() { sodium_memzero(&parameters, sizeof parameters); }

  // Applies to `sas`; false if the SaDatabase refused it.
  bool apply(tunnel::SaDatabase& sas) const noexcept;
};

class SaUpdateQueue final : public SaInstaller {
 public:
  static constexpr std::size_t kCapacity = 256;

  // `sas` is the worker's SaDatabase: apply() and apply_all() change it.
  explicit SaUpdateQueue(tunnel::SaDatabase& sas, std::size_t capacity = kCapacity);
  ~SaUpdateQueue() override;
  SaUpdateQueue(const SaUpdateQueue&) = delete;
  SaUpdateQueue& operator=(const SaUpdateQueue&) = delete;

  // Producer side (the key-exchange thread). The four changes queue an
  // update; they return false only if the queue was full and the backlog
  // had no memory (nothing is queued then).
  bool set_outbound(std::uint32_t route, const esp::SaParameters& parameters) override;
  void remove_outbound(std::uint32_t route) override;
  bool add_inbound(std::uint32_t route, const esp::SaParameters& parameters) override;
  void remove_inbound(std::uint32_t spi) override;
  void set_endpoint(std::uint32_t route, const net::Address& address, std::uint16_t port) override;
  // Moves the backlog onto the queue as far as there is room; true when
  // no update waits in the backlog any more.
  bool flush() noexcept;
  std::size_t backlog() const noexcept { return backlog_.size(); }
  // Updates that found the queue full and waited in the backlog.
  std::uint64_t deferred() const noexcept { return deferred_; }
  // Removals that could not even wait (queue full, no memory for the
  // backlog); installs report that by returning false instead.
  std::uint64_t lost() const noexcept { return lost_; }

  // Consumer side (the worker's thread).
  // Whether updates are waiting: one check per poll.
  bool pending() const noexcept { return queue_.read_available() != 0; }
  // Applies (and wipes) every update on the queue; returns how many.
  std::size_t apply() noexcept;
  // Updates the SaDatabase refused (no memory for an SA; an inbound SPI
  // installed twice).
  std::uint64_t failed() const noexcept { return failed_; }

  // With both sides parked (reconfiguration, shutdown): applies the queue
  // and then the backlog, so the SaDatabase holds every change made so far.
  void apply_all() noexcept;
  // Reconfiguration, with both sides parked: apply_all(), then the change
  // itself on the SaDatabase.
  void remap_routes(std::span<const std::uint32_t> new_index, std::size_t route_count) override;
  void set_gateway(std::uint32_t route, const net::Address& gateway) override;

 private:
  bool enqueue(const SaUpdate& update);

  tunnel::SaDatabase& sas_;
  boost::lockfree::spsc_queue<SaUpdate, boost::lockfree::allocator<base::SecureAllocator<SaUpdate>>>
      queue_;
  base::LockedPool<SaUpdate> backlog_pool_;
  std::deque<base::LockedPool<SaUpdate>::Pointer> backlog_;  // oldest first
  std::uint64_t deferred_ = 0;                               // producer side
  std::uint64_t lost_ = 0;                                   // producer side
  std::uint64_t failed_ = 0;                                 // consumer side
};

}  // namespace strait::keymanager
