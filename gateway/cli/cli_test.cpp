#define BOOST_TEST_MODULE cli
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cli/argument_reader.hpp"
#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/keygen_command.hpp"
#include "cli/man_page.hpp"

using namespace strait;
using strait::cli::ArgumentReader;

namespace {

constexpr const char* kUsage =
    "usage: strait demo --name NAME [--json] [--between A B]\n"
    "                   [--count N] FILE...\n"
    "  A command to read arguments for.\n"
    "  --name NAME  its name\n";

// A stream in memory, for what the reader prints.
class Captured {
 public:
  Captured() : file_(open_memstream(&text_, &size_)) {}
  ~Captured() {
    std::fclose(file_);
    std::free(text_);
  }
  Captured(const Captured&) = delete;
  Captured& operator=(const Captured&) = delete;
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(text_, size_);
  }

 private:
  char* text_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* file_;
};

struct Demo {
  Captured out;
  Captured err;
  ArgumentReader reader{"strait demo", kUsage, out.file(), err.file()};
  std::string name;
  bool json = false;
  std::vector<std::string> between;
  std::vector<std::string> files;
  int counted = 0;

  Demo() {
    reader.option("--name", "a value", [this](std::string_view v) {
      name = v;
      return base::Status(base::Ok{});
    });
    reader.flag("--json", json);
    reader.option("--between", "two names", 2, [this](std::span<const std::string_view> v) {
      between.assign(v.begin(), v.end());
      return base::Status(base::Ok{});
    });
    reader.option("--count", "a whole number", [this](std::string_view v) -> base::Status {
      const auto n = cli::parse_count(v, 100);
      if (!n) return base::Error{"--count '" + std::string(v) + "': expected 0 to 100"};
      counted = static_cast<int>(*n);
      return base::Ok{};
    });
    reader.positionals([this](std::string_view v) {
      files.emplace_back(v);
      return base::Status(base::Ok{});
    });
  }

  std::optional<int> read(std::vector<std::string_view> arguments) {
    return reader.read(arguments);
  }
};

const std::string kErrorTail =
    "usage: strait demo --name NAME [--json] [--between A B]\n"
    "                   [--count N] FILE...\n"
    "(strait demo --help lists the options)\n";

}  // namespace

BOOST_AUTO_TEST_CASE(options_flags_and_positionals_in_order) {
  Demo demo;
  BOOST_TEST(!demo.read({"a.conf", "--name", "paris", "--json", "--between", "x", "y", "b.conf",
                         "--name", "tokyo", "--count", "1e1", "-"})
                  .has_value());
  BOOST_TEST(demo.name == "tokyo");  // the last one wins
  BOOST_TEST(demo.json);
  BOOST_TEST((demo.between == std::vector<std::string>{"x", "y"}));
  BOOST_TEST((demo.files == std::vector<std::string>{"a.conf", "b.conf", "-"}));
  BOOST_TEST(demo.counted == 10);
  BOOST_TEST(demo.err.text().empty());
}

BOOST_AUTO_TEST_CASE(a_value_is_the_next_argument_whatever_it_looks_like) {
  Demo demo;
  BOOST_TEST(!demo.read({"--name", "--json"}).has_value());
  BOOST_TEST(demo.name == "--json");
  BOOST_TEST(!demo.json);
}

BOOST_AUTO_TEST_CASE(help_prints_the_usage) {
  for (std::string_view help : {"--help", "-h"}) {
    Demo demo;
    BOOST_TEST((demo.read({"--json", help, "--bogus"}) == std::optional<int>(0)));
    BOOST_TEST(demo.out.text() == kUsage);
    BOOST_TEST(demo.err.text().empty());
  }
}

BOOST_AUTO_TEST_CASE(usage_errors_have_one_form) {
  const std::vector<std::pair<std::vector<std::string_view>, std::string>> cases = {
      {{"--bogus"}, "unknown option '--bogus'"},
      {{"-x"}, "unknown option '-x'"},
      {{"--name=paris"}, "unknown option '--name=paris'"},
      {{"--name"}, "--name needs a value"},
      {{"--between", "x"}, "--between needs two names"},
      {{"--count", "many"}, "--count 'many': expected 0 to 100"},
  };
  for (const auto& [arguments, message] : cases) {
    Demo demo;
    BOOST_TEST((demo.read(arguments) == std::optional<int>(2)));
    BOOST_TEST(demo.err.text() == "strait demo: " + message + "\n" + kErrorTail);
    BOOST_TEST(demo.out.text().empty());
  }
}

BOOST_AUTO_TEST_CASE(positionals_only_when_accepted) {
  Captured out, err;
  ArgumentReader reader("strait ps", "usage: strait ps\n  Lists them.\n", out.file(), err.file());
  BOOST_TEST(!reader.read(std::vector<std::string_view>{}).has_value());
  BOOST_TEST((reader.read(std::vector<std::string_view>{"paris"}) == std::optional<int>(2)));
  BOOST_TEST(err.text() ==
             "strait ps: unknown argument 'paris'\nusage: strait ps\n"
             "(strait ps --help lists the options)\n");
}

BOOST_AUTO_TEST_CASE(errors_found_after_reading) {
  Demo demo;
  BOOST_TEST(demo.reader.usage_error("--name is required") == 2);
  BOOST_TEST(demo.err.text() == "strait demo: --name is required\n" + kErrorTail);
}

BOOST_AUTO_TEST_CASE(synopsis_is_the_usage_lines) {
  Captured out, err;
  const ArgumentReader reader("strait config",
                              "usage: strait config get NAME PATH\n"
                              "       strait config get-state NAME PATH\n"
                              "  Reads.\n",
                              out.file(), err.file());
  BOOST_TEST(reader.synopsis() ==
             "usage: strait config get NAME PATH\n       strait config get-state NAME PATH\n");
  const ArgumentReader blank("strait bench", "usage: strait bench [--json]\n\n  more\n");
  BOOST_TEST(blank.synopsis() == "usage: strait bench [--json]\n");
}

BOOST_AUTO_TEST_CASE(counts) {
  BOOST_TEST((cli::parse_count("3e6", 10'000'000) == std::optional<std::uint64_t>(3'000'000)));
  BOOST_TEST((cli::parse_count("1.5e3", 10'000) == std::optional<std::uint64_t>(1500)));
  BOOST_TEST(!cli::parse_count("1.5", 10).has_value());
  BOOST_TEST(!cli::parse_count("11", 10).has_value());
  BOOST_TEST(!cli::parse_count("-1", 10).has_value());
  BOOST_TEST(!cli::parse_count("", 10).has_value());
}

namespace {

// What write_new_key() writes, read back through a pipe.
std::string new_key() {
  int fds[2];
  BOOST_TEST_REQUIRE(::pipe(fds) == 0);
  BOOST_TEST_REQUIRE(cli::write_new_key(fds[1]));
  ::close(fds[1]);
  std::string text;
  char buffer[256];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;)
    text.append(buffer, static_cast<std::size_t>(n));
  ::close(fds[0]);
  return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(keygen_writes_64_lowercase_hex_digits_and_a_newline) {
  std::set<std::string> keys;
  for (int i = 0; i < 16; ++i) {
    const std::string key = new_key();
    BOOST_TEST_REQUIRE(key.size() == 65u);
    BOOST_TEST(key.back() == '\n');
    for (char c : key.substr(0, 64))
      BOOST_TEST((std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f')), key);
    keys.insert(key);
  }
  BOOST_TEST(keys.size() == 16u);  // 2^-256 for a repeat
}

BOOST_AUTO_TEST_CASE(usage_texts_render_as_man_sections) {
  const std::string usage =
      "usage: strait demo --name NAME [--json]\n"
      "                   [--count N]\n"
      "       strait demo --list\n"
      "  Does things. It reads --name\n"
      "  and .dots at a line start.\n"
      "  --name NAME  its name, as in\n"
      "               a-b\n"
      "  --metrics ADDRESS:PORT\n"
      "               where\n"
      "  get        prints it\n"
      "  --kind K   kinds:\n"
      "      one   the first\n"
      "      two   the second\n"
      "  Exit status: 0.\n"
      "\n"
      "       strait demo --other\n"
      "  Another form.\n";
  const std::string roff = cli::render_usage(usage);
  BOOST_TEST(roff ==
             ".nf\n"
             "\\fBstrait demo\\fR \\-\\-name NAME [\\-\\-json]\n"
             "            [\\-\\-count N]\n"
             ".fi\n"
             ".PP\n"
             ".nf\n"
             "\\fBstrait demo\\fR \\-\\-list\n"
             ".fi\n"
             ".PP\n"
             "Does things. It reads \\-\\-name\n"
             "and .dots at a line start.\n"
             ".TP\n"
             "\\fB\\-\\-name\\fR \\fINAME\\fR\n"
             "its name, as in\n"
             "a\\-b\n"
             ".TP\n"
             "\\fB\\-\\-metrics\\fR \\fIADDRESS:PORT\\fR\n"
             "where\n"
             ".TP\n"
             "\\fBget\\fR\n"
             "prints it\n"
             ".TP\n"
             "\\fB\\-\\-kind\\fR \\fIK\\fR\n"
             "kinds:\n"
             ".RS\n"
             ".TP\n"
             "\\fBone\\fR\n"
             "the first\n"
             ".TP\n"
             "\\fBtwo\\fR\n"
             "the second\n"
             ".RE\n"
             ".PP\n"
             "Exit status: 0.\n"
             ".PP\n"
             ".nf\n"
             "\\fBstrait demo\\fR \\-\\-other\n"
             ".fi\n"
             ".PP\n"
             "Another form.\n");
  BOOST_TEST(cli::roff_text(".x 'y \\z") == "\\&.x 'y \\ez");
  BOOST_TEST(cli::roff_text("'quoted'") == "\\&'quoted'");
}

BOOST_AUTO_TEST_CASE(the_man_page_has_every_command_of_the_help) {
  const std::string page = cli::render_man_page(cli::man_page_source());
  const std::string help = cli::main_usage();
  BOOST_TEST(page.starts_with(".\\\" strait(8)"));
  BOOST_TEST(page.find(".TH STRAIT 8 ") != std::string::npos);
  for (const cli::Command& command : cli::commands()) {
    std::string escaped;
    for (char c : command.name)
      escaped += c == '-' ? std::string("\\-") : std::string(1, c);
    BOOST_TEST(page.find(".SS \"strait " + escaped + "\"\n") != std::string::npos, command.name);
    BOOST_TEST(help.find("\n  " + std::string(command.name) + " ") != std::string::npos,
               command.name);
    BOOST_TEST(page.find(cli::render_usage(command.usage())) != std::string::npos, command.name);
  }
  for (std::string_view name : {"run", "check-host", "keygen", "help"})
    BOOST_TEST(cli::find_command(name) != nullptr, name);
  // Every line of --help within 80 columns.
  std::size_t start = 0;
  while (start < help.size()) {
    const std::size_t end = help.find('\n', start);
    BOOST_TEST(end - start <= 80u, help.substr(start, end - start));
    start = end + 1;
  }
}

BOOST_AUTO_TEST_CASE(wrapping) {
  BOOST_TEST(cli::wrap("aaa bbb ccc", 9, 0, 2) == "aaa bbb\n  ccc");
  BOOST_TEST(cli::wrap("aaa bbb", 9, 6, 6) == "aaa\n      bbb");
  BOOST_TEST(cli::wrap("", 9, 0, 0).empty());
}
