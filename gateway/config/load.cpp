#include "config/load.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "config/schema.hpp"
#include "config/syntax_tree.hpp"

namespace strait::config {

base::Result<GatewayConfig> load(std::string_view text, std::string_view file_name) {
  auto document = parse_document(text, file_name);
  if (!document.ok()) return document.error();
  return apply_schema(document.value(), file_name);
}

base::Result<GatewayConfig> load_file(const std::string& path) {
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    return base::Error{path + ": cannot open configuration file: " + std::strerror(errno)};
  }
  std::string text;
  char buffer[16384];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0)
    text.append(buffer, n);
  if (std::ferror(file.get())) {
    return base::Error{path + ": cannot read configuration file: " + std::strerror(errno)};
  }
  return load(text, path);
}

}  // namespace strait::config
