#include "cli/gateway_arguments.hpp"

#include "daemon/cpu_list.hpp"

namespace strait::cli {

void add_gateway_arguments(ArgumentReader& reader, GatewayArguments& into) {
  reader.option("--name", "a value", [&into](std::string_view v) {
    into.name = v;
    return base::Status(base::Ok{});
  });
  reader.option("--config", "a file", [&into](std::string_view v) {
    into.config_path = v;
    return base::Status(base::Ok{});
  });
  reader.option("--cpu", "a list (e.g. 2,3 or 2-3)", [&into](std::string_view v) -> base::Status {
    auto cpus = daemon::parse_cpu_list(v);
    if (!cpus) return cpus.error();
    into.cpus = std::move(*cpus);
    return base::Ok{};
  });
  reader.flag("--xdp", into.xdp);
  reader.flag("--af-packet", into.af_packet);
}

base::Status check_backend_choice(const GatewayArguments& arguments) {
  if (arguments.xdp && arguments.af_packet)
    return base::Error{"--xdp and --af-packet exclude each other"};
  return base::Ok{};
}

}  // namespace strait::cli
