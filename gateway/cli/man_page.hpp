#pragma once
// The strait(8) man page, written from the same text as `--help`: the
// command table (cli/commands.hpp) and each command's usage text. The build
// runs `strait help --man` to write build/strait.8 (target `man`), so the
// page cannot drift from what the commands print.
//
// A usage text follows one grammar (the ArgumentReader's --help texts):
//   - the synopsis: "usage: strait CMD ..." and the lines after it indented
//     by more than two spaces; a line "       strait CMD ..." (seven
//     spaces) starts another form of the command;
//   - then lines indented by two spaces: an item when the line starts with
//     '-' (an option: its tag runs up to the first two spaces, or is the
//     whole line, the description then following on deeper lines) or with
//     a word followed by two spaces ("get        prints..."); prose
//     otherwise, joined into paragraphs;
//   - deeper lines continue the item or paragraph above; within an item,
//     a line left of its description column that is itself "word  text"
//     is an entry of a nested list (strait flood --kind's kinds);
//   - a blank line ends a paragraph; "       strait CMD ..." after it is a
//     further synopsis form (strait bench --ake).

#include <string>
#include <string_view>
#include <vector>

namespace strait::cli {

struct ManCommand {
  std::string_view name;     // "run"
  std::string_view summary;  // one line of the command list
  std::string_view usage;    // its --help text
};

struct ManEntry {
  std::string_view term;  // "/etc/strait/NAME.conf", "STRAIT_RUN_DIR"
  std::string_view text;
};

struct ManPageSource {
  std::string_view summary;      // NAME line: "strait - ..."
  std::string_view description;  // first paragraph of DESCRIPTION
  std::vector<ManCommand> commands;
  std::vector<ManEntry> files;
  std::vector<ManEntry> environment;
  std::vector<std::string_view> see_also;  // "ethtool(8)"
};

// The whole page, man(7) source.
std::string render_man_page(const ManPageSource& source);

// One command's usage text as man(7) source: its synopsis forms, then its
// paragraphs and option lists, per the grammar above.
std::string render_usage(std::string_view usage);

// Text for a roff text line: backslashes and minus signs escaped (options
// stay ASCII hyphen-minus), a leading '.' or '\'' neutralised.
std::string roff_text(std::string_view text);

}  // namespace strait::cli
