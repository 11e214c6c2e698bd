#include "cli/argument_reader.hpp"

#include <cstdio>

namespace strait::cli {

ArgumentReader::ArgumentReader(std::string command, std::string usage, std::FILE* out,
                               std::FILE* err)
    : command_(std::move(command)), usage_(std::move(usage)), out_(out), err_(err) {}

void ArgumentReader::flag(std::string name, bool& set) {
  flag(std::move(name), [&set] { set = true; });
}

void ArgumentReader::flag(std::string name, std::function<void()> handler) {
  options_.push_back(Option{std::move(name), "", 0,
                            [handler = std::move(handler)](std::span<const std::string_view>) {
                              handler();
                              return base::Status(base::Ok{});
                            }});
}

void ArgumentReader::option(std::string name, std::string what, ValueHandler handler) {
  option(std::move(name), std::move(what), 1,
         [handler = std::move(handler)](std::span<const std::string_view> values) {
           return handler(values[0]);
         });
}

void ArgumentReader::option(std::string name, std::string what, std::size_t count,
                            ValuesHandler handler) {
  options_.push_back(Option{std::move(name), std::move(what), count, std::move(handler)});
}

void ArgumentReader::positionals(ValueHandler handler) {
  positional_ = std::move(handler);
}

const ArgumentReader::Option* ArgumentReader::find(std::string_view name) const {
  for (const Option& option : options_)
    if (option.name == name) return &option;
  return nullptr;
}

std::optional<int> ArgumentReader::read(int argc, char* const* argv) const {
  const std::vector<std::string_view> arguments(argv, argv + argc);
  return read(arguments);
}

std::optional<int> ArgumentReader::read(std::span<const std::string_view> arguments) const {
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string_view argument = arguments[i];
    if (argument == "--help" || argument == "-h") {
      std::fputs(usage_.c_str(), out_);
      return 0;
    }
    if (argument.size() < 2 || argument[0] != '-') {
      if (!positional_) return usage_error("unknown argument '" + std::string(argument) + "'");
      if (auto taken = positional_(argument); !taken) return usage_error(taken.error().message);
      continue;
    }
    const Option* option = find(argument);
    if (option == nullptr) return usage_error("unknown option '" + std::string(argument) + "'");
    if (arguments.size() - i - 1 < option->count)
      return usage_error(option->name + " needs " + option->what);
    const auto values = arguments.subspan(i + 1, option->count);
    i += option->count;
    if (auto taken = option->handler(values); !taken) return usage_error(taken.error().message);
  }
  return std::nullopt;
}

int ArgumentReader::usage_error(std::string_view message) const {
  std::fprintf(err_, "%s: %.*s\n%s(%s --help lists the options)\n", command_.c_str(),
               static_cast<int>(message.size()), message.data(), synopsis().c_str(),
               command_.c_str());
  return 2;
}

std::string ArgumentReader::synopsis() const {
  std::string lines;
  std::size_t start = 0;
  while (start < usage_.size()) {
    std::size_t end = usage_.find('\n', start);
    end = end == std::string::npos ? usage_.size() : end + 1;
    const std::string_view line = std::string_view(usage_).substr(start, end - start);
    const bool description = line.size() > 2 && line.starts_with("  ") && line[2] != ' ';
    if (description || line == "\n") break;
    lines += line;
    start = end;
  }
  if (!lines.empty() && lines.back() != '\n') lines += '\n';
  return lines;
}

}  // namespace strait::cli
