#pragma once
// What strait run's control thread knows of the kernel interfaces its
// queues are bound to, checked every second (check()):
//
// * down (administratively, or no carrier): said once, with what it means
//   (nothing is received or sent on it); the ports stay open and the
//   kernel hooks them back in when it is up again, which is said too. The
//   workers meanwhile sleep as when idle (idle_wait.hpp).
// * gone (deleted, moved to another namespace, or replaced by another
//   interface of the same name: its index changed): the ports are bound to
//   an interface that no longer exists and would never receive again, so
//   the gateway stops with an error that says so (a supervisor restarts
//   it; strait run binds the interface anew).
//
// Control path only (allocates, logs through the caller).

#include <string>
#include <vector>

namespace strait::daemon {

class InterfaceWatch {
 public:
  struct Interface {
    std::string ifname;
    std::string role;      // "private", "queue 2 public": how messages name it
    unsigned ifindex = 0;  // as bound when its ports were opened; 0: look it up now
  };
  struct Event {
    enum class Kind { kDown, kUp, kGone };
    Kind kind;
    std::string ifname;
    std::string message;  // for the log, and the error strait run stops with
  };

  InterfaceWatch();
  ~InterfaceWatch();
  InterfaceWatch(const InterfaceWatch&) = delete;
  InterfaceWatch& operator=(const InterfaceWatch&) = delete;

  // The interfaces to watch from now on (all of them: a transaction may have
  // rebound queues). An interface watched before under the same name and
  // index keeps what is known of it (down is not said twice).
  void watch(std::vector<Interface> interfaces);
  // What changed since the last check: interfaces that went down, came up
  // again, or are gone (said once; a gone one is no longer watched).
  std::vector<Event> check();

 private:
  struct Watched {
    Interface interface;
    bool down = false;
  };
  int fd_ = -1;  // for SIOCGIFFLAGS
  std::vector<Watched> watched_;
};

}  // namespace strait::daemon
