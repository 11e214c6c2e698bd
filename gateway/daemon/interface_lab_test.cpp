// A worker's ports when their interface goes down, comes up, or goes away
// (root, network namespaces): the idle wait (daemon/idle_wait.hpp) sleeps
// while the interface is down and after it is up again instead of waking at
// once on the socket's pending error, frames arrive again after it is up
// (AF_PACKET and AF_XDP), and the interface watch (daemon/interface_watch.hpp)
// reports the down, the up and the interface deleted.
#define BOOST_TEST_MODULE interface_lab
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "daemon/idle_wait.hpp"
#include "daemon/interface_watch.hpp"
#include "testing/netns_pair.hpp"
#include "testing/skip.hpp"

using namespace strait;
using Clock = std::chrono::steady_clock;

namespace {

struct Requirements {
  Requirements() { strait::testing::skip_unless_lab({"ip"}); }
};
BOOST_TEST_GLOBAL_FIXTURE(Requirements);

std::vector<backend::BackendKind> backends() {
  std::vector<backend::BackendKind> kinds{backend::BackendKind::kAfPacket};
  if (backend::backend_available(backend::BackendKind::kXdp))
    kinds.push_back(backend::BackendKind::kXdp);
  return kinds;
}

// Milliseconds that `rounds` idle waits of 2 ms took (each sleeps unless a
// descriptor wakes it).
double wait_rounds(std::vector<pollfd>& fds, int rounds) {
  const auto start = Clock::now();
  for (int i = 0; i < rounds; ++i)
    daemon::idle_wait(fds, 2);
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// One broadcast frame (ethertype 0x88b5) out of `ifname`, from the
// namespace the caller runs in.
void send_frame(const std::string& ifname) {
  const int fd = socket(AF_PACKET, SOCK_RAW, 0);
  BOOST_TEST_REQUIRE(fd >= 0);
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
  address.sll_halen = 6;
  std::memset(address.sll_addr, 0xff, 6);
  std::uint8_t frame[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0x0a, 0x88, 0xb5};
  const auto sent =
      sendto(fd, frame, sizeof frame, 0, reinterpret_cast<sockaddr*>(&address), sizeof address);
  close(fd);
  BOOST_TEST(sent == static_cast<ssize_t>(sizeof frame));
}

// Frames received on `port` within `timeout_ms`.
std::size_t receive_for(io::Port& port, std::vector<pollfd>& fds, int timeout_ms) {
  std::size_t n = 0;
  io::Packet* batch[64];
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < deadline) {
    daemon::idle_wait(fds, 2);
    const std::size_t got = port.receive(batch);
    for (std::size_t i = 0; i < got; ++i)
      port.release(batch[i]);
    n += got;
  }
  return n;
}

// The watch's next events (checked every 50 ms, for 3 s at most).
std::vector<daemon::InterfaceWatch::Event> next_events(daemon::InterfaceWatch& watch) {
  for (int i = 0; i < 60; ++i) {
    auto events = watch.check();
    if (!events.empty()) return events;
    usleep(50'000);
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_port_whose_interface_goes_down_and_up_sleeps_and_receives_again) {
  for (const auto kind : backends()) {
    BOOST_TEST_CONTEXT(backend::backend_name(kind)) {
      testing::NetnsPair pair;
      const auto& a = pair.a();
      // A second interface beside a's end for the pair's other port.
      testing::NetnsPair::exec_in(a.netns, "ip link add other0 type veth peer name other1");
      testing::NetnsPair::exec_in(a.netns, "ip link set other0 up");
      testing::NetnsPair::exec_in(a.netns, "ip link set other1 up");
      auto made = backend::make_backend(kind);
      BOOST_TEST_REQUIRE(made.ok());
      std::unique_ptr<backend::PortPair> ports;
      std::string error;
      testing::NetnsPair::run_in(a.netns, [&] {
        backend::PortPairSpec spec;
        spec.first.role = "first";
        spec.first.ifname = a.ifname;
        spec.second.role = "second";
        spec.second.ifname = "other0";
        spec.frame_count = 2048;
        spec.ring_size = 256;
        auto opened = (*made)->open_pair(spec);
        if (opened)
          ports = std::move(opened).value();
        else
          error = opened.error().message;
      });
      BOOST_TEST_REQUIRE(ports != nullptr, error);
      std::vector<pollfd> fds;
      for (const int fd : ports->wait_fds())
        fds.push_back(pollfd{fd, POLLIN, 0});
      BOOST_TEST_REQUIRE(!fds.empty());

      pair.run_in(pair.b(), [&] { send_frame(pair.b().ifname); });
      BOOST_TEST(receive_for(ports->first(), fds, 300) >= 1u);
      const double idle = wait_rounds(fds, 50);
      BOOST_TEST(idle >= 80.0);  // 50 x 2 ms, nothing to wake it

      testing::NetnsPair::exec_in(a.netns, "ip link set " + a.ifname + " down");
      daemon::idle_wait(fds, 2);  // the pending error, cleared
      const double down = wait_rounds(fds, 50);
      BOOST_TEST_MESSAGE("50 idle waits of 2 ms: " << idle << " ms up, " << down
                                                   << " ms while down");
      BOOST_TEST(down >= 80.0);  // asleep, not spinning on POLLERR

      testing::NetnsPair::exec_in(a.netns, "ip link set " + a.ifname + " up");
      daemon::idle_wait(fds, 2);
      const double up_again = wait_rounds(fds, 50);
      BOOST_TEST_MESSAGE("after up: " << up_again << " ms");
      BOOST_TEST(up_again >= 80.0);
      // The same port receives again (up: the kernel hooks it back in).
      std::size_t received = 0;
      for (int attempt = 0; attempt < 20 && received == 0; ++attempt) {
        pair.run_in(pair.b(), [&] { send_frame(pair.b().ifname); });
        received = receive_for(ports->first(), fds, 100);
      }
      BOOST_TEST(received >= 1u);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_watch_reports_down_up_and_gone) {
  testing::NetnsPair pair;
  const auto& a = pair.a();
  testing::NetnsPair::run_in(a.netns, [&] {
    daemon::InterfaceWatch watch;
    watch.watch({{a.ifname, "queue 1 public"}});
    BOOST_TEST(watch.check().empty());
    testing::NetnsPair::exec_in(a.netns, "ip link set " + a.ifname + " down");
    auto events = next_events(watch);
    BOOST_TEST_REQUIRE(events.size() == 1u);
    BOOST_TEST((events[0].kind == daemon::InterfaceWatch::Event::Kind::kDown));
    BOOST_TEST(events[0].message.find(a.ifname + " (queue 1 public) is down") != std::string::npos,
               events[0].message);
    BOOST_TEST(watch.check().empty());  // said once
    testing::NetnsPair::exec_in(a.netns, "ip link set " + a.ifname + " up");
    events = next_events(watch);  // once the carrier is back
    BOOST_TEST_REQUIRE(events.size() == 1u);
    BOOST_TEST((events[0].kind == daemon::InterfaceWatch::Event::Kind::kUp));
    // Deleted (and another made with the same name): gone all the same.
    testing::NetnsPair::exec_in(a.netns, "ip link del " + a.ifname);
    testing::NetnsPair::exec_in(a.netns, "ip link add " + a.ifname + " type veth peer name again1");
    events = next_events(watch);
    BOOST_TEST_REQUIRE(events.size() == 1u);
    BOOST_TEST((events[0].kind == daemon::InterfaceWatch::Event::Kind::kGone));
    BOOST_TEST(events[0].message.find(a.ifname + " (queue 1 public) is gone") != std::string::npos,
               events[0].message);
  });
}
