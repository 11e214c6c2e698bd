#include "esp/security_association.hpp"

#include <sodium.h>

#include "esp/engine.hpp"

namespace strait::esp {

OutboundSa::OutboundSa(Engine& engine, const SaParameters& parameters,
                       std::uint64_t initial_sequence) noexcept
    : salt_(parameters.salt), spi_(parameters.spi), sequence_(initial_sequence - 1) {
  IMB_AES128_GCM_PRE(engine.manager(), parameters.key.data(), &key_);
}

OutboundSa::~OutboundSa() {
  sodium_memzero(&key_, sizeof key_);
  sodium_memzero(salt_.data(), salt_.size());
}

InboundSa::InboundSa(Engine& engine, const SaParameters& parameters) noexcept
    : salt_(parameters.salt), spi_(parameters.spi) {
  IMB_AES128_GCM_PRE(engine.manager(), parameters.key.data(), &key_);
}

InboundSa::~InboundSa() {
  sodium_memzero(&key_, sizeof key_);
  sodium_memzero(salt_.data(), salt_.size());
}

}  // namespace strait::esp
