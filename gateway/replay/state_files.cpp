#include "replay/state_files.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "config/syntax_tree.hpp"
#include "control/printer.hpp"
#include "worker/state_report.hpp"

namespace strait::replay {

namespace {

base::Status write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return base::Error{path.string() + ": cannot write: " + std::strerror(errno)};
  return base::Ok{};
}

}  // namespace

base::Status write_state_files(const std::string& directory,
                               std::span<const worker::Worker* const> workers) {
  const std::string text = worker::render_gateway_state(workers);
  const std::filesystem::path dir(directory);
  if (auto written = write_file(dir / "gateway-state", text); !written) return written;
  auto tree = config::parse_document(text, "gateway-state");
  if (!tree) return base::Error{"gateway-state does not parse back: " + tree.error().message};
  return write_file(
      dir / "gateway-state.json",
      std::string(control::json_of_statements(*tree, control::PrintOptions{})) + "\n");
}

}  // namespace strait::replay
