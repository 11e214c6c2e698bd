#pragma once
// Which field that identifies an interface differs between two versions of
// it. These fields name the kernel interface and the gateway's own
// addresses on it, so a worker cannot take a change of them live (its
// ports are bound to them); the next-hop fields are not among them: they
// change in place. One function answers for the daemon (which queues to
// rebuild) and the worker (what it refuses to reconfigure).

#include <optional>
#include <string_view>

#include "config/gateway_config.hpp"

namespace strait::config {

enum class InterfaceField : std::uint8_t { kIfname, kPci, kIp, kMac, kDeviceQueue, kNatIp };

// The field's name in the configuration schema ("ifname", "device-queue").
std::string_view field_name(InterfaceField field) noexcept;

// The first differing field, in InterfaceField's order; nullopt: the same
// interface.
std::optional<InterfaceField> identity_change(const Interface& before, const Interface& after);
// Also device-queue and nat-ip.
std::optional<InterfaceField> identity_change(const PublicInterface& before,
                                              const PublicInterface& after);

}  // namespace strait::config
