#pragma once
// The one argument reader of the strait subcommands. A command declares
// what it accepts: flags (--json), options with values (--name VALUE,
// --between IF_A IF_B), positional arguments; read() goes through argv in
// order, hands each to its handler, answers --help and -h with the usage
// text (on stdout), and reports usage errors in one form (on stderr):
//
//   strait run: --name needs a value
//   usage: strait run --name NAME [--xdp | --af-packet] [--cpu LIST] ...
//   (strait run --help lists the options)
//
// The synopsis is the usage text's leading lines (up to the description,
// the first line indented by two spaces). A value is the next argument, whatever it looks like; an
// option given twice is handled twice (usually: the last one wins).

#include <cstddef>
#include <cstdio>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace strait::cli {

class ArgumentReader {
 public:
  // An option's values, or a positional argument, into settings; an error
  // is a usage error, its message printed after the command's name.
  using ValueHandler = std::function<base::Status(std::string_view value)>;
  using ValuesHandler = std::function<base::Status(std::span<const std::string_view> values)>;

  // `command`: "strait run", the start of every message; `usage`: the text
  // --help prints. Help goes to `out`, usage errors to `err`.
  ArgumentReader(std::string command, std::string usage, std::FILE* out = stdout,
                 std::FILE* err = stderr);

  // --NAME alone.
  void flag(std::string name, bool& set);
  void flag(std::string name, std::function<void()> handler);
  // --NAME VALUE; "--NAME needs WHAT" when the value is missing.
  void option(std::string name, std::string what, ValueHandler handler);
  // --NAME VALUE... with `count` values.
  void option(std::string name, std::string what, std::size_t count, ValuesHandler handler);
  // Arguments that are not options ("-" included), in order. Without a
  // handler, none is accepted.
  void positionals(ValueHandler handler);

  // Reads the arguments: nullopt when the command is to go on; otherwise
  // its exit status, --help answered (0) or a usage error reported (2).
  std::optional<int> read(int argc, char* const* argv) const;
  std::optional<int> read(std::span<const std::string_view> arguments) const;

  // Reports a usage error found after reading (a missing option, options
  // that exclude each other); returns the exit status, 2.
  int usage_error(std::string_view message) const;

  // The usage text's leading lines, up to the first one indented by two
  // spaces (where the description starts).
  std::string synopsis() const;

 private:
  struct Option {
    std::string name;
    std::string what;  // empty for flags
    std::size_t count = 0;
    ValuesHandler handler;
  };
  const Option* find(std::string_view name) const;

  std::string command_;
  std::string usage_;
  std::FILE* out_;
  std::FILE* err_;
  std::vector<Option> options_;
  ValueHandler positional_;
};

}  // namespace strait::cli
