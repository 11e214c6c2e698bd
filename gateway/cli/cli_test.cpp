#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cli/argument_reader.hpp"
#include "cli/arguments.hpp"

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
