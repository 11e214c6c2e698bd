#include "xdp/umem.hpp"

#include <bit>
#include <cstring>
#include <string>
#include <vector>

namespace strait::xdp {

Umem::Umem(io::FramePool& pool, const UmemOptions& options) : pool_(pool), options_(options) {
  frame_shift_ = static_cast<unsigned>(std::countr_zero(pool.frame_size()));
}

base::Result<std::unique_ptr<Umem>> Umem::create(io::FramePool& pool, const UmemOptions& options) {
  if (pool.frame_size() != 2048 && pool.frame_size() != 4096)
    return base::Error{"an AF_XDP UMEM needs frames of 2048 or 4096 bytes, not " +
                       std::to_string(pool.frame_size())};
  if (!std::has_single_bit(options.fill_size) || !std::has_single_bit(options.completion_size))
    return base::Error{"AF_XDP fill and completion ring sizes must be powers of two"};
  std::unique_ptr<Umem> umem(new Umem(pool, options));
  if (auto registered = umem->register_memory(); !registered) return registered.error();
  return umem;
}

base::Status Umem::register_memory() {
  xsk_umem_config config{};
  config.fill_size = options_.fill_size;
  config.comp_size = options_.completion_size;
  config.frame_size = static_cast<std::uint32_t>(pool_.frame_size());
  config.frame_headroom = static_cast<std::uint32_t>(sizeof(io::Packet) + io::kDefaultHeadroom);
  config.flags = 0;
  first_fill_ = {};
  first_completion_ = {};
  const int err = xsk_umem__create(&umem_, pool_.memory(), pool_.frame_size() * pool_.count(),
                                   &first_fill_, &first_completion_, &config);
  if (err != 0) {
    umem_ = nullptr;
    return base::Error{std::string("cannot register the AF_XDP UMEM: ") + std::strerror(-err),
                       -err};
  }
  return base::Ok{};
}

bool Umem::claim_queue(int ifindex, std::uint32_t queue_id) {
  for (const auto& q : queues_)
    if (q == std::make_pair(ifindex, queue_id)) return false;
  queues_.emplace_back(ifindex, queue_id);
  return true;
}

void Umem::unclaim_queue(int ifindex, std::uint32_t queue_id) noexcept {
  std::erase(queues_, std::make_pair(ifindex, queue_id));
}

base::Status Umem::reregister() {
  if (first_claimed_) return base::Error{"the UMEM is in use"};
  if (umem_ != nullptr && xsk_umem__delete(umem_) != 0) return base::Error{"the UMEM is in use"};
  umem_ = nullptr;
  return register_memory();
}

Umem::~Umem() {
  if (umem_ != nullptr) xsk_umem__delete(umem_);
}

std::size_t Umem::refill(xsk_ring_prod& fill) noexcept {
  constexpr std::uint32_t kBatch = 64;
  std::size_t total = 0;
  for (;;) {
    const std::uint32_t room = xsk_prod_nb_free(&fill, kBatch);
    if (room == 0) break;
    // By index: the frames stay untouched until the kernel fills them.
    std::uint32_t frames[kBatch];
    const auto n =
        static_cast<std::uint32_t>(pool_.take_indices(frames, room < kBatch ? room : kBatch));
    if (n == 0) break;
    std::uint32_t index = 0;
    xsk_ring_prod__reserve(&fill, n, &index);  // room checked above
    for (std::uint32_t i = 0; i < n; ++i)
      *xsk_ring_prod__fill_addr(&fill, index + i) = static_cast<std::uint64_t>(frames[i])
                                                    << frame_shift_;
    xsk_ring_prod__submit(&fill, n);
    total += n;
    if (n < kBatch) break;
  }
  return total;
}

std::size_t Umem::complete(xsk_ring_cons& completion) noexcept {
  constexpr std::uint32_t kBatch = 64;
  std::size_t total = 0;
  for (;;) {
    std::uint32_t index = 0;
    const std::uint32_t n = xsk_ring_cons__peek(&completion, kBatch, &index);
    if (n == 0) break;
    // Back by index, computed from the offset: no need to read the frames.
    std::uint32_t frames[kBatch];
    std::uint32_t valid = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::uint64_t frame = *xsk_ring_cons__comp_addr(&completion, index + i) >> frame_shift_;
      if (frame < pool_.count()) frames[valid++] = static_cast<std::uint32_t>(frame);
    }
    pool_.return_indices(frames, valid);
    xsk_ring_cons__release(&completion, n);
    total += n;
    if (n < kBatch) break;
  }
  return total;
}

}  // namespace strait::xdp
