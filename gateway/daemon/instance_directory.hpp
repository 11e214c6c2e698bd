#pragma once
// The files of one named gateway under /run/strait/NAME/ (or
// $STRAIT_RUN_DIR/NAME/): `pid`, locked for as long as the instance lives,
// and `gateway-state`, rewritten atomically (write, then rename) so readers
// such as `strait config get-state` never see half a file. What must
// outlive a reboot, `static-sa-sequences` (daemon/sequence_file.hpp), is in
// the instance's state directory instead (state_root(): /var/lib/strait).
//
// The pid file is held with flock(): a second instance with the same name
// finds it locked and is refused; the file of an instance that was killed
// is unlocked (the kernel drops the lock with the process), so it is stale
// and simply taken over.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace strait::daemon {

// The directory instances live under: $STRAIT_RUN_DIR if set, else
// /run/strait.
std::string run_root();

// The directory instances keep what must survive a reboot under (/run is
// emptied at boot): $STRAIT_STATE_DIR if set; else $STRAIT_RUN_DIR if set
// (a private run root, as tests and labs use, keeps everything in one
// place); else /var/lib/strait.
std::string state_root();

// root/NAME, created (mode 0700) with its parents if missing: NAME's state
// directory. An error names the directory and says what to do.
base::Result<std::string> make_state_directory(const std::string& root, const std::string& name);

// Where `strait run --name NAME` finds its configuration when --config is
// not given: <config directory>/NAME.conf, the directory being
// $STRAIT_CONFIG_DIR if set, else /etc/strait. `name` must have passed
// check_instance_name (a single path component).
std::string config_directory();
std::string config_path_for(std::string_view name);

// Names are what may appear as a single path component: letters, digits,
// '-', '_' and '.', not starting with '.', at most 64 characters.
base::Status check_instance_name(std::string_view name);

// What NAME's pid file under `root` says: the pid written there (0 if
// none), and whether that instance runs (it holds the file's lock, as
// InstanceDirectory does for as long as it lives, and the process exists).
struct InstanceStatus {
  long pid = 0;
  bool running = false;
};
InstanceStatus probe_instance(const std::string& root, const std::string& name);

// The instance names with a pid file under `root`, sorted; an error if
// `root` cannot be read (none if it does not exist: nothing ever ran).
base::Result<std::vector<std::string>> list_instances(const std::string& root);

class InstanceDirectory {
 public:
  // Creates the directory if needed and takes the pid file. Fails if
  // another live instance holds it (naming its pid).
  static base::Result<std::unique_ptr<InstanceDirectory>> claim(const std::string& root,
                                                                const std::string& name);
  // Removes the pid and state files and releases the lock.
  ~InstanceDirectory();
  InstanceDirectory(const InstanceDirectory&) = delete;
  InstanceDirectory& operator=(const InstanceDirectory&) = delete;

  const std::string& path() const noexcept { return path_; }
  std::string pid_path() const { return path_ + "/pid"; }
  std::string state_path() const { return path_ + "/gateway-state"; }

  base::Status write_state(std::string_view text) const;

 private:
  InstanceDirectory(std::string path, int pid_fd) : path_(std::move(path)), pid_fd_(pid_fd) {}

  std::string path_;
  int pid_fd_;
};

}  // namespace strait::daemon
