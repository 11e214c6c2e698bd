#include "daemon/sequence_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace strait::daemon {

namespace {

constexpr const char* kHeader =
    "# strait: sequence numbers of static outbound SAs. Each line: the fingerprint of a\n"
    "# key and salt, and M: every sequence number below M may have been used with it.\n"
    "# Do not edit or remove while the gateway's static SAs keep their keys.\n";

std::string errno_text(int error) {
  return std::strerror(error);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool parse_fingerprint(std::string_view text, esp::KeyFingerprint& out) {
  if (text.size() != out.size() * 2) return false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int high = hex_digit(text[2 * i]), low = hex_digit(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<std::uint8_t>(high * 16 + low);
  }
  return true;
}

std::string hex(const esp::KeyFingerprint& fingerprint) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (const std::uint8_t b : fingerprint) {
    text += kDigits[b >> 4];
    text += kDigits[b & 15];
  }
  return text;
}

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// a + b, at most 2^64 - 1.
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > ~std::uint64_t{0} - b ? ~std::uint64_t{0} : a + b;
}

}  // namespace

base::Result<std::unique_ptr<SequenceFile>> SequenceFile::open(std::string path,
                                                               std::uint64_t block) {
  std::unique_ptr<SequenceFile> file(
      new SequenceFile(std::move(path), std::max<std::uint64_t>(block, 2)));
  errno = 0;
  std::ifstream in(file->path_);
  if (!in) {
    if (errno == ENOENT) return file;
    return base::Error{"cannot read " + file->path_ + ": " + errno_text(errno)};
  }
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t space = line.find(' ');
    esp::KeyFingerprint fingerprint;
    std::uint64_t mark = 0;
    const char* end = line.data() + line.size();
    if (space == std::string::npos ||
        !parse_fingerprint(std::string_view(line).substr(0, space), fingerprint) ||
        std::from_chars(line.data() + space + 1, end, mark) !=
            std::from_chars_result{end, std::errc{}})
      return base::Error{file->path_ + ":" + std::to_string(number) +
                         ": not a fingerprint and a sequence number (the file is written by "
                         "strait run only; restore it, or remove it only after changing "
                         "every static SA's key)"};
    std::uint64_t& known = file->floors_[fingerprint];
    known = std::max(known, mark);
  }
  if (in.bad()) return base::Error{"cannot read " + file->path_ + ": " + errno_text(errno)};
  file->marks_ = file->floors_;
  return file;
}

std::uint64_t SequenceFile::floor(const esp::KeyFingerprint& fingerprint) const {
  const auto found = floors_.find(fingerprint);
  return found == floors_.end() ? 0 : found->second;
}

std::uint64_t SequenceFile::limit(const esp::KeyFingerprint& fingerprint) const {
  const auto found = limits_.find(fingerprint);
  return found == limits_.end() ? 0 : found->second;
}

base::Status SequenceFile::reserve(std::span<const esp::KeyFingerprint> fingerprints) {
  std::map<esp::KeyFingerprint, std::uint64_t> marks = marks_, limits = limits_;
  bool changed = false;
  for (const esp::KeyFingerprint& fingerprint : fingerprints) {
    if (limits.contains(fingerprint)) continue;
    const std::uint64_t start = std::max<std::uint64_t>(floor(fingerprint), 1);
    const std::uint64_t limit = saturating_add(start, block_);
    std::uint64_t& mark = marks[fingerprint];
    mark = std::max(mark, limit);
    limits[fingerprint] = limit;
    changed = true;
  }
  if (!changed) return base::Ok{};
  if (auto written = write(marks); !written) return written;
  marks_ = std::move(marks);
  limits_ = std::move(limits);
  return base::Ok{};
}

base::Status SequenceFile::extend(
    std::span<const std::pair<esp::KeyFingerprint, std::uint64_t>> needed) {
  if (needed.empty()) return base::Ok{};
  std::map<esp::KeyFingerprint, std::uint64_t> marks = marks_, limits = limits_;
  for (const auto& [fingerprint, sequence] : needed) {
    std::uint64_t& limit = limits[fingerprint];
    limit = saturating_add(std::max(limit, sequence), block_);
    std::uint64_t& mark = marks[fingerprint];
    mark = std::max(mark, limit);
  }
  if (auto written = write(marks); !written) return written;
  marks_ = std::move(marks);
  limits_ = std::move(limits);
  return base::Ok{};
}

base::Status SequenceFile::write(const std::map<esp::KeyFingerprint, std::uint64_t>& marks) const {
  std::string text = kHeader;
  for (const auto& [fingerprint, mark] : marks)
    text += hex(fingerprint) + " " + std::to_string(mark) + "\n";
  const std::string temporary = path_ + ".new";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return base::Error{"cannot write " + temporary + ": " + errno_text(errno)};
  // On failure the old file stays as it was, and the partial new one goes
  // (on a full disk it holds space).
  const auto failed = [&temporary](const std::string& what, int error) {
    ::unlink(temporary.c_str());
    return base::Error{what + ": " + errno_text(error)};
  };
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;
      ::close(fd);
      return failed("cannot write " + temporary, error);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    return failed("cannot write " + temporary + " (fsync)", error);
  }
  if (::close(fd) != 0) return failed("cannot write " + temporary + " (close)", errno);
  if (::rename(temporary.c_str(), path_.c_str()) != 0)
    return failed("cannot rename " + temporary + " to " + path_, errno);
  const std::string directory = directory_of(path_);
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return base::Error{"cannot open " + directory + ": " + errno_text(errno)};
  const int synced = ::fsync(dir);
  const int error = errno;
  ::close(dir);
  if (synced != 0) return base::Error{"cannot fsync " + directory + ": " + errno_text(error)};
  return base::Ok{};
}

}  // namespace strait::daemon
