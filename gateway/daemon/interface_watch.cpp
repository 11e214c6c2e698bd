#include "daemon/interface_watch.hpp"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace strait::daemon {

namespace {

std::string name_of(const InterfaceWatch::Interface& i) {
  return i.ifname + " (" + i.role + ")";
}

}  // namespace

InterfaceWatch::InterfaceWatch() : fd_(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}

InterfaceWatch::~InterfaceWatch() {
  if (fd_ >= 0) close(fd_);
}

void InterfaceWatch::watch(std::vector<Interface> interfaces) {
  std::vector<Watched> next;
  for (Interface& i : interfaces) {
    if (i.ifindex == 0) i.ifindex = if_nametoindex(i.ifname.c_str());
    Watched w{std::move(i), false};
    for (const Watched& old : watched_)
      if (old.interface.ifname == w.interface.ifname &&
          old.interface.ifindex == w.interface.ifindex)
        w.down = old.down;
    next.push_back(std::move(w));
  }
  watched_ = std::move(next);
}

std::vector<InterfaceWatch::Event> InterfaceWatch::check() {
  std::vector<Event> events;
  std::vector<Watched> still;
  for (Watched& w : watched_) {
    const Interface& i = w.interface;
    const unsigned now = if_nametoindex(i.ifname.c_str());
    if (now == 0 || now != i.ifindex) {
      events.push_back(
          {Event::Kind::kGone, i.ifname,
           "interface " + name_of(i) + " is gone (" +
               (now == 0 ? std::string("deleted or moved to another network namespace")
                         : std::string("replaced by another interface of the same name")) +
               "): its ports can never receive again; stopping (start strait run again once "
               "the interface is back)"});
      continue;
    }
    ifreq request{};
    std::strncpy(request.ifr_name, i.ifname.c_str(), IFNAMSIZ - 1);
    if (fd_ >= 0 && ioctl(fd_, SIOCGIFFLAGS, &request) == 0) {
      const bool up = (request.ifr_flags & IFF_UP) != 0;
      const bool carrier = (request.ifr_flags & IFF_RUNNING) != 0;
      const bool down = !up || !carrier;
      if (down && !w.down)
        events.push_back({Event::Kind::kDown, i.ifname,
                          "interface " + name_of(i) + " is down (" +
                              (up ? "no carrier" : "set down") +
                              "): nothing is received or sent on it until it is up again"});
      else if (!down && w.down)
        events.push_back({Event::Kind::kUp, i.ifname,
                          "interface " + name_of(i) + " is up again: traffic resumes"});
      w.down = down;
    }
    still.push_back(std::move(w));
  }
  watched_ = std::move(still);
  return events;
}

}  // namespace strait::daemon
