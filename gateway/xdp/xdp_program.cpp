#include "xdp/xdp_program.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>
#include <xdp/libxdp.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "xdp/filter_config.h"

namespace strait::xdp {
namespace {

// The compiled xsk_redirect.bpf.c, generated at build time.
const unsigned char kObject[] = {
#include "xsk_redirect.bpf.inc"
};

std::string describe(int error) {
  char text[256] = {};
  libxdp_strerror(error, text, sizeof text);
  return text;
}

base::Result<strait_xdp_filter_config> encode(const FilterConfig& config) {
  strait_xdp_filter_config c{};
  c.mode = config.public_side ? STRAIT_XDP_OWN_TRAFFIC : STRAIT_XDP_REDIRECT_ALL;
  c.udp_port = static_cast<unsigned short>((config.udp_port >> 8) | (config.udp_port << 8));
  c.nat_udp_port =
      static_cast<unsigned short>((config.nat_udp_port >> 8) | (config.nat_udp_port << 8));
  for (const net::Address& a : config.addresses) {
    if (a.family == net::Family::kIpv4) {
      if (c.ipv4_count == STRAIT_XDP_MAX_ADDRESSES)
        return base::Error{"too many IPv4 addresses for the XDP filter"};
      std::memcpy(&c.ipv4[c.ipv4_count++], a.data(), 4);
    } else {
      if (c.ipv6_count == STRAIT_XDP_MAX_ADDRESSES)
        return base::Error{"too many IPv6 addresses for the XDP filter"};
      std::memcpy(c.ipv6[c.ipv6_count++], a.data(), 16);
    }
  }
  return c;
}

xdp_attach_mode to_libxdp(Mode mode) {
  return mode == Mode::kGeneric ? XDP_MODE_SKB : XDP_MODE_NATIVE;
}

const char* mode_name(Mode mode) {
  return mode == Mode::kGeneric ? "generic" : "native";
}

struct Attached {
  bpf_object* object;
  xdp_program* program;
};

// Opens the embedded object and attaches it in exactly `mode`.
base::Result<Attached> load_and_attach(int ifindex, Mode mode) {
  bpf_object_open_opts open_opts{};
  open_opts.sz = sizeof open_opts;
  open_opts.object_name = XdpProgram::kName;
  bpf_object* object = bpf_object__open_mem(kObject, sizeof kObject, &open_opts);
  if (object == nullptr)
    return base::Error{std::string("cannot open the XDP object: ") + std::strerror(errno), errno};
  xdp_program_opts opts{};
  opts.sz = sizeof opts;
  opts.obj = object;
  opts.prog_name = XdpProgram::kName;
  xdp_program* program = xdp_program__create(&opts);
  if (const int err = static_cast<int>(libxdp_get_error(program)); err != 0 || program == nullptr) {
    bpf_object__close(object);
    return base::Error{"cannot open the XDP program: " + describe(err), -err};
  }
  if (int err = xdp_program__attach(program, ifindex, to_libxdp(mode), 0); err != 0) {
    xdp_program__close(program);
    bpf_object__close(object);
    return base::Error{std::string("cannot attach the XDP program in ") + mode_name(mode) +
                           " mode: " + describe(err),
                       -err};
  }
  return Attached{object, program};
}

// Identifies the network namespace of the calling thread, so that the
// shared programs of equal ifindex in different namespaces stay apart.
std::uint64_t current_netns() {
  struct stat st {};
  if (stat("/proc/thread-self/ns/net", &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_ino);
}

}  // namespace

base::Result<int> XdpProgram::remove_stale(int ifindex) {
  xdp_multiprog* mp = xdp_multiprog__get_from_ifindex(ifindex);
  if (const int err = static_cast<int>(libxdp_get_error(mp)); err != 0 || mp == nullptr) {
    if (err == -ENOENT || mp == nullptr) return 0;
    return base::Error{"cannot query the XDP programs of interface " + std::to_string(ifindex) +
                           ": " + describe(err),
                       -err};
  }
  int removed = 0;
  std::string failure;
  if (xdp_multiprog__is_legacy(mp)) {
    xdp_program* main = xdp_multiprog__main_prog(mp);
    if (main != nullptr && std::strcmp(xdp_program__name(main), kName) == 0) {
      if (int err = xdp_multiprog__detach(mp); err != 0)
        failure = describe(err);
      else
        ++removed;
    }
  } else {
    const xdp_attach_mode mode = xdp_multiprog__attach_mode(mp);
    for (xdp_program* p = xdp_multiprog__next_prog(nullptr, mp); p != nullptr;
         p = xdp_multiprog__next_prog(p, mp)) {
      if (std::strcmp(xdp_program__name(p), kName) != 0) continue;
      if (int err = xdp_program__detach(p, ifindex, mode, 0); err != 0)
        failure = describe(err);
      else
        ++removed;
    }
  }
  xdp_multiprog__close(mp);
  if (!failure.empty())
    return base::Error{"cannot remove a stale XDP program from interface " +
                       std::to_string(ifindex) + ": " + failure};
  return removed;
}

base::Result<std::unique_ptr<XdpProgram>> XdpProgram::attach(int ifindex,
                                                             const FilterConfig& config,
                                                             Mode mode) {
  auto encoded = encode(config);
  if (!encoded) return encoded.error();
  auto stale = remove_stale(ifindex);
  if (!stale) return stale.error();

  Mode attached = mode == Mode::kGeneric ? Mode::kGeneric : Mode::kNative;
  auto program = load_and_attach(ifindex, attached);
  if (!program && mode == Mode::kAuto) {
    attached = Mode::kGeneric;
    auto generic = load_and_attach(ifindex, attached);
    if (!generic)
      return base::Error{program.error().message + "; " + generic.error().message,
                         generic.error().system_error};
    program = std::move(generic);
  }
  if (!program) return program.error();

  std::unique_ptr<XdpProgram> result(new XdpProgram(program->object, program->program, ifindex,
                                                    attached, config, -1));  // detaches on error
  bpf_object* object = program->object;
  bpf_map* xsks = object ? bpf_object__find_map_by_name(object, "xsks") : nullptr;
  bpf_map* settings = object ? bpf_object__find_map_by_name(object, "config") : nullptr;
  if (xsks == nullptr || settings == nullptr || bpf_map__fd(xsks) < 0 || bpf_map__fd(settings) < 0)
    return base::Error{"the XDP program's maps are missing"};
  result->xsks_fd_ = bpf_map__fd(xsks);
  if (xdp_multiprog* mp = xdp_multiprog__get_from_ifindex(ifindex);
      libxdp_get_error(mp) == 0 && mp) {
    result->dispatched_ = !xdp_multiprog__is_legacy(mp);
    xdp_multiprog__close(mp);
  }
  const std::uint32_t key = 0;
  if (bpf_map_update_elem(bpf_map__fd(settings), &key, &*encoded, BPF_ANY) != 0)
    return base::Error{std::string("cannot configure the XDP program: ") + std::strerror(errno),
                       errno};
  return result;
}

base::Result<std::shared_ptr<XdpProgram>> XdpProgram::acquire(int ifindex,
                                                              const FilterConfig& config,
                                                              Mode mode) {
  static std::mutex mutex;
  static std::map<std::pair<std::uint64_t, int>, std::weak_ptr<XdpProgram>> programs;
  const std::lock_guard lock(mutex);
  const auto key = std::make_pair(current_netns(), ifindex);
  if (auto existing = programs[key].lock()) {
    if (existing->config() != config)
      return base::Error{"interface " + std::to_string(ifindex) +
                         " already has the XDP program with another filter configuration"};
    if (mode != Mode::kAuto && mode != existing->mode())
      return base::Error{std::string("interface ") + std::to_string(ifindex) +
                         " already has the XDP program in " + mode_name(existing->mode()) +
                         " mode"};
    return existing;
  }
  auto attached = attach(ifindex, config, mode);
  if (!attached) return attached.error();
  std::shared_ptr<XdpProgram> shared = std::move(*attached);
  programs[key] = shared;
  return shared;
}

XdpProgram::~XdpProgram() {
  xdp_program__detach(program_, ifindex_, to_libxdp(mode_), 0);
  xdp_program__close(program_);
  bpf_object__close(object_);
}

std::uint32_t XdpProgram::id() const {
  return xdp_program__id(program_);
}

}  // namespace strait::xdp
