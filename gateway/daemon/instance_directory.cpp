#include "daemon/instance_directory.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace strait::daemon {

namespace {

std::string errno_text(int error) {
  return std::strerror(error);
}

// `variable`: the environment variable that moves the directory, for the
// hint when it cannot be created.
base::Status make_directories(const std::string& path, const char* variable,
                              mode_t leaf_mode = 0755) {
  // Every prefix ending before a '/', then the path itself.
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const bool leaf = slash == std::string::npos;
    const std::string prefix = leaf ? path : path.substr(0, slash);
    if (mkdir(prefix.c_str(), leaf ? leaf_mode : 0755) != 0 && errno != EEXIST)
      return base::Error{"cannot create " + prefix + ": " + errno_text(errno) +
                         (errno == EACCES ? std::string(" (run as root, or set ") + variable +
                                                " to a directory you may write)"
                                          : "")};
    if (leaf) return base::Ok{};
  }
}

std::string read_small_file(int fd) {
  char buffer[32] = {};
  const ssize_t n = pread(fd, buffer, sizeof(buffer) - 1, 0);
  if (n <= 0) return "";
  std::string text(buffer, static_cast<std::size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

}  // namespace

std::string run_root() {
  const char* root = std::getenv("STRAIT_RUN_DIR");
  return root && *root ? root : "/run/strait";
}

std::string state_root() {
  for (const char* variable : {"STRAIT_STATE_DIR", "STRAIT_RUN_DIR"})
    if (const char* root = std::getenv(variable); root && *root) return root;
  return "/var/lib/strait";
}

base::Result<std::string> make_state_directory(const std::string& root, const std::string& name) {
  if (auto ok = check_instance_name(name); !ok) return ok.error();
  std::string path = root + "/" + name;
  if (auto made = make_directories(path, "STRAIT_STATE_DIR", 0700); !made) return made.error();
  return path;
}

std::string config_directory() {
  const char* directory = std::getenv("STRAIT_CONFIG_DIR");
  return directory && *directory ? directory : "/etc/strait";
}

std::string config_path_for(std::string_view name) {
  return config_directory() + "/" + std::string(name) + ".conf";
}

base::Status check_instance_name(std::string_view name) {
  if (name.empty()) return base::Error{"the name is empty"};
  if (name.size() > 64) return base::Error{"the name is longer than 64 characters"};
  if (name.front() == '.') return base::Error{"the name starts with '.'"};
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok)
      return base::Error{"the name '" + std::string(name) +
                         "' may only hold letters, digits, '-', '_' and '.'"};
  }
  return base::Ok{};
}

InstanceStatus probe_instance(const std::string& root, const std::string& name) {
  InstanceStatus status;
  const int fd = open((root + "/" + name + "/pid").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return status;
  status.pid = std::strtol(read_small_file(fd).c_str(), nullptr, 10);
  // A live instance holds its pid file locked (claim()).
  bool locked = false;
  if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    locked = true;
  } else {
    flock(fd, LOCK_UN);
  }
  close(fd);
  status.running =
      locked && status.pid > 0 && (kill(static_cast<pid_t>(status.pid), 0) == 0 || errno == EPERM);
  return status;
}

base::Result<std::vector<std::string>> list_instances(const std::string& root) {
  std::vector<std::string> names;
  DIR* directory = opendir(root.c_str());
  if (directory == nullptr) {
    if (errno == ENOENT) return names;  // nothing ever ran
    return base::Error{root + ": " + errno_text(errno)};
  }
  while (const dirent* entry = readdir(directory)) {
    const std::string name = entry->d_name;
    if (!check_instance_name(name)) continue;
    struct stat info {};
    if (stat((root + "/" + name + "/pid").c_str(), &info) == 0) names.push_back(name);
  }
  closedir(directory);
  std::sort(names.begin(), names.end());
  return names;
}

base::Result<std::unique_ptr<InstanceDirectory>> InstanceDirectory::claim(const std::string& root,
                                                                          const std::string& name) {
  if (auto ok = check_instance_name(name); !ok) return ok.error();
  const std::string path = root + "/" + name;
  if (auto made = make_directories(path, "STRAIT_RUN_DIR"); !made) return made.error();
  const std::string pid_path = path + "/pid";
  // The file may be unlinked by an exiting instance between our open and
  // our lock: then we locked a file nobody will find, so try again.
  for (int attempt = 0; attempt < 10; ++attempt) {
    const int fd = open(pid_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return base::Error{"cannot open " + pid_path + ": " + errno_text(errno)};
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      const std::string pid = read_small_file(fd);
      close(fd);
      if (error == EWOULDBLOCK)
        return base::Error{"an instance named '" + name + "' is already running" +
                           (pid.empty() ? std::string() : " (pid " + pid + ")") +
                           ": stop it first (kill -TERM " + (pid.empty() ? "PID" : pid) +
                           ") or choose another --name"};
      return base::Error{"cannot lock " + pid_path + ": " + errno_text(error)};
    }
    struct stat held {};
    struct stat named {};
    if (fstat(fd, &held) != 0 || stat(pid_path.c_str(), &named) != 0 ||
        held.st_ino != named.st_ino || held.st_dev != named.st_dev) {
      close(fd);
      continue;
    }
    // Ours now; whatever it holds is a stale pid from a killed instance.
    const std::string pid = std::to_string(getpid()) + "\n";
    if (ftruncate(fd, 0) != 0 ||
        pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
      const int error = errno;
      close(fd);
      return base::Error{"cannot write " + pid_path + ": " + errno_text(error)};
    }
    return std::unique_ptr<InstanceDirectory>(new InstanceDirectory(path, fd));
  }
  return base::Error{"cannot take " + pid_path + ": it keeps being replaced"};
}

InstanceDirectory::~InstanceDirectory() {
  unlink(state_path().c_str());
  unlink((state_path() + ".new").c_str());
  unlink(pid_path().c_str());  // while still locked: no one can take it meanwhile
  close(pid_fd_);
}

base::Status InstanceDirectory::write_state(std::string_view text) const {
  const std::string final_path = state_path();
  const std::string temporary = final_path + ".new";
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return base::Error{"cannot write " + temporary + ": " + errno_text(errno), errno};
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      close(fd);
      unlink(temporary.c_str());  // a partial file takes space a full disk lacks
      return base::Error{"cannot write " + temporary + ": " + errno_text(error), error};
    }
    done += static_cast<std::size_t>(n);
  }
  if (close(fd) != 0) {
    const int error = errno;
    unlink(temporary.c_str());
    return base::Error{"cannot write " + temporary + ": " + errno_text(error), error};
  }
  if (rename(temporary.c_str(), final_path.c_str()) != 0) {
    const int error = errno;
    unlink(temporary.c_str());
    return base::Error{"cannot rename " + temporary + ": " + errno_text(error), error};
  }
  return base::Ok{};
}

}  // namespace strait::daemon
