#include "config/interface_change.hpp"

namespace strait::config {

std::string_view field_name(InterfaceField field) noexcept {
  switch (field) {
    case InterfaceField::kIfname:
      return "ifname";
    case InterfaceField::kPci:
      return "pci";
    case InterfaceField::kIp:
      return "ip";
    case InterfaceField::kMac:
      return "mac";
    case InterfaceField::kDeviceQueue:
      return "device-queue";
    case InterfaceField::kNatIp:
      return "nat-ip";
  }
  return "?";
}

std::optional<InterfaceField> identity_change(const Interface& before, const Interface& after) {
  if (before.ifname != after.ifname) return InterfaceField::kIfname;
  if (before.pci != after.pci) return InterfaceField::kPci;
  if (!(before.ip == after.ip)) return InterfaceField::kIp;
  if (!(before.mac == after.mac)) return InterfaceField::kMac;
  return std::nullopt;
}

std::optional<InterfaceField> identity_change(const PublicInterface& before,
                                              const PublicInterface& after) {
  if (auto field = identity_change(static_cast<const Interface&>(before),
                                   static_cast<const Interface&>(after)))
    return field;
  if (before.device_queue != after.device_queue) return InterfaceField::kDeviceQueue;
  if (before.nat_ip != after.nat_ip) return InterfaceField::kNatIp;
  return std::nullopt;
}

}  // namespace strait::config
