#pragma once
// The options that say which gateway and how it runs, read alike by
// `strait run` and `strait check-host` (so that the boot-time check sees
// what the gateway will use): --name, --config, --cpu, --xdp / --af-packet.

#include <string>
#include <vector>

#include "base/result.hpp"
#include "cli/argument_reader.hpp"

namespace strait::cli {

struct GatewayArguments {
  std::string name;
  std::string config_path;
  std::vector<int> cpus;  // empty: not given
  bool xdp = false;
  bool af_packet = false;
};

// Registers the options with `reader`; their values go to `into`.
void add_gateway_arguments(ArgumentReader& reader, GatewayArguments& into);

// --xdp and --af-packet exclude each other.
base::Status check_backend_choice(const GatewayArguments& arguments);

}  // namespace strait::cli
