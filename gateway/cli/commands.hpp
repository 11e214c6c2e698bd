#pragma once
// The strait commands, in one table: each command's name, its line in the
// command list, its --help text and the function that runs it. `strait
// --help` prints the list; `strait help --man` renders the table and every
// command's --help text as the strait(8) man page (man_page.hpp), which the
// build writes to build/strait.8. The list, each command's --help and the
// man page thus come from one text.

#include <span>
#include <string>
#include <string_view>

#include "cli/man_page.hpp"

namespace strait::cli {

struct Command {
  std::string_view name;
  std::string_view summary;  // one line of the list (wrapped when printed)
  std::string_view (*usage)();
  int (*run)(int argc, char** argv);
};

std::span<const Command> commands();
const Command* find_command(std::string_view name);

// `strait --help`: the commands, files and environment variables.
std::string main_usage();
// What the man page is written from.
ManPageSource man_page_source();

// `text` folded into lines of at most `width` columns, the first starting
// at column `first` (after what the caller printed), the others indented by
// `indent` spaces; no trailing newline.
std::string wrap(std::string_view text, std::size_t width, std::size_t first, std::size_t indent);

// strait COMMAND ARGS...: runs the command (argv[1]); the exit status.
int dispatch(int argc, char** argv);

}  // namespace strait::cli
