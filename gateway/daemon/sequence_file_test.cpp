// daemon::SequenceFile: static SAs' sequence numbers reserved ahead in
// blocks, written safely, read back by the next run.
#define BOOST_TEST_MODULE sequence_file
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/sequence_file.hpp"
#include "esp/security_association.hpp"

using namespace strait;
using daemon::SequenceFile;

namespace {

struct TempDir {
  TempDir() {
    char name[] = "/tmp/strait-sequence-file-XXXXXX";
    BOOST_TEST_REQUIRE(mkdtemp(name) != nullptr);
    path = name;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file() const { return path + "/static-sa-sequences"; }
  std::string path;
};

esp::KeyFingerprint fingerprint_of(std::uint8_t seed) {
  std::array<std::uint8_t, 16> key{};
  std::array<std::uint8_t, 4> salt{};
  key.fill(seed);
  salt.fill(static_cast<std::uint8_t>(seed + 1));
  return esp::key_fingerprint(key, salt);
}

std::string contents(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::unique_ptr<SequenceFile> open(const std::string& path, std::uint64_t block) {
  auto file = SequenceFile::open(path, block);
  BOOST_TEST_REQUIRE(file.ok(), (file.ok() ? std::string() : file.error().message));
  return std::move(file).value();
}

}  // namespace

BOOST_AUTO_TEST_CASE(reservations_are_written_and_read_back_by_the_next_run) {
  TempDir dir;
  const esp::KeyFingerprint a = fingerprint_of(1), b = fingerprint_of(2);
  {
    auto file = open(dir.file(), 1000);  // no file yet: nothing used
    BOOST_TEST(file->floor(a) == 0u);
    BOOST_TEST(file->limit(a) == 0u);
    const esp::KeyFingerprint both[] = {a, b};
    BOOST_TEST_REQUIRE(file->reserve(both).ok());
    BOOST_TEST(file->limit(a) == 1001u);  // 1 .. 1000 reserved
    BOOST_TEST(file->limit(b) == 1001u);
    // Reserving again changes nothing.
    BOOST_TEST_REQUIRE(file->reserve(both).ok());
    BOOST_TEST(file->limit(a) == 1001u);
    // a nears its limit: the next block, beyond the larger of limit and sequence.
    const std::pair<esp::KeyFingerprint, std::uint64_t> near[] = {{a, 700}};
    BOOST_TEST_REQUIRE(file->extend(near).ok());
    BOOST_TEST(file->limit(a) == 2001u);
    const std::pair<esp::KeyFingerprint, std::uint64_t> past[] = {{b, 5000}};
    BOOST_TEST_REQUIRE(file->extend(past).ok());
    BOOST_TEST(file->limit(b) == 6000u);
  }
  // The next run: SAs start where the last run could have got to.
  auto file = open(dir.file(), 1000);
  BOOST_TEST(file->floor(a) == 2001u);
  BOOST_TEST(file->floor(b) == 6000u);
  BOOST_TEST(file->floor(fingerprint_of(3)) == 0u);
  BOOST_TEST(file->limit(a) == 0u);  // nothing reserved by this run yet
  const esp::KeyFingerprint only_a[] = {a};
  BOOST_TEST_REQUIRE(file->reserve(only_a).ok());
  BOOST_TEST(file->limit(a) == 3001u);
  // b, unused by this run, keeps its line.
  auto again = open(dir.file(), 1000);
  BOOST_TEST(again->floor(a) == 3001u);
  BOOST_TEST(again->floor(b) == 6000u);
  // No key on disk, only fingerprints; owner-only permissions.
  const std::string text = contents(dir.file());
  BOOST_TEST(text.find(" 3001\n") != std::string::npos);
  struct stat st {};
  BOOST_TEST_REQUIRE(stat(dir.file().c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
}

BOOST_AUTO_TEST_CASE(a_crash_before_the_rename_leaves_the_previous_file) {
  TempDir dir;
  const esp::KeyFingerprint a = fingerprint_of(1);
  {
    auto file = open(dir.file(), 1000);
    const esp::KeyFingerprint only_a[] = {a};
    BOOST_TEST_REQUIRE(file->reserve(only_a).ok());
  }
  BOOST_TEST(!std::filesystem::exists(dir.file() + ".new"));  // renamed away
  const std::string before = contents(dir.file());
  // A crash while the next version was being written: a torn temporary file.
  {
    std::ofstream torn(dir.file() + ".new");
    torn << before.substr(0, before.size() / 2);
  }
  auto file = open(dir.file(), 1000);
  BOOST_TEST(file->floor(a) == 1001u);  // the complete previous version
  // The next write replaces the torn temporary file.
  const esp::KeyFingerprint only_a[] = {a};
  BOOST_TEST_REQUIRE(file->reserve(only_a).ok());
  BOOST_TEST(!std::filesystem::exists(dir.file() + ".new"));
  BOOST_TEST(open(dir.file(), 1000)->floor(a) == 2001u);
}

BOOST_AUTO_TEST_CASE(what_cannot_be_written_or_read_is_an_error_and_reserves_nothing) {
  TempDir dir;
  const esp::KeyFingerprint only_a[] = {fingerprint_of(1)};
  // Its directory is gone: the reservation fails, naming the file.
  auto file = open(dir.path + "/gone/static-sa-sequences", 1000);
  const base::Status reserved = file->reserve(only_a);
  BOOST_TEST_REQUIRE(!reserved.ok());
  BOOST_TEST(reserved.error().message.find(dir.path + "/gone/static-sa-sequences.new") !=
             std::string::npos);
  BOOST_TEST(file->limit(only_a[0]) == 0u);
  // A damaged file is refused, with its line.
  {
    std::ofstream damaged(dir.file());
    damaged << "# comment\n" << std::string(64, 'a') << " 12\nnot a line\n";
  }
  auto damaged = SequenceFile::open(dir.file(), 1000);
  BOOST_TEST_REQUIRE(!damaged.ok());
  BOOST_TEST(damaged.error().message.starts_with(dir.file() + ":3: "));
  // A mark too large to be a number is refused too.
  {
    std::ofstream huge(dir.file());
    huge << std::string(64, 'a') << " 99999999999999999999999\n";
  }
  BOOST_TEST(!SequenceFile::open(dir.file(), 1000).ok());
}
