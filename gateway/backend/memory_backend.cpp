#include "backend/memory_backend.hpp"

#include <algorithm>

namespace strait::backend {

class MemoryBackend::Pair final : public PortPair {
 public:
  Pair(std::unique_ptr<io::FramePool> pool, std::size_t ring_size, std::list<FarEnds>& open,
       const PortPairSpec& spec)
      : pool_(std::move(pool)),
        first_wire_(*pool_, ring_size),
        second_wire_(*pool_, ring_size),
        open_(open) {
    entry_ =
        open_.insert(open_.end(), FarEnds{spec, &first_wire_.a(), &second_wire_.a(), pool_.get()});
  }
  ~Pair() override {
    open_.erase(entry_);
    first_wire_.release_waiting();
    second_wire_.release_waiting();
  }
  io::Port& first() noexcept override { return first_wire_.b(); }
  io::Port& second() noexcept override { return second_wire_.b(); }
  std::vector<int> wait_fds() const override { return {}; }
  std::string description() const override { return "memory"; }

 private:
  std::unique_ptr<io::FramePool> pool_;
  io::MemoryWire first_wire_;
  io::MemoryWire second_wire_;
  std::list<FarEnds>& open_;
  std::list<FarEnds>::iterator entry_;
};

base::Result<std::unique_ptr<PortPair>> MemoryBackend::do_open_pair(const PortPairSpec& spec) {
  const std::size_t frames =
      max_frames_ != 0 ? std::min(spec.frame_count, max_frames_) : spec.frame_count;
  auto pool = io::FramePool::create(spec.frame_size, frames);
  if (!pool) return pool.error();
  ++opened_;
  return std::unique_ptr<PortPair>(
      std::make_unique<Pair>(std::move(*pool), spec.ring_size, open_, spec));
}

std::vector<MemoryBackend::FarEnds> MemoryBackend::open_pairs() const {
  return {open_.begin(), open_.end()};
}

}  // namespace strait::backend
