#pragma once
// Two network namespaces joined by a veth pair, for lab tests of kernel I/O
// backends. Every interface the pair creates lives in a namespace it creates;
// nothing touches the root namespace. The destructor deletes both namespaces
// (which destroys the veth pair); namespaces left behind by a test process
// that died are deleted by the next NetnsPair created. IPv6 is disabled in
// both namespaces so the kernel sends nothing of its own (no router
// solicitations, no MLD reports): only the test's frames cross the wire.
// Test code only: failures throw std::runtime_error with the reason.

#include <functional>
#include <string>

namespace strait::testing {

class NetnsPair {
 public:
  struct End {
    std::string netns;   // name as listed by `ip netns`
    std::string ifname;  // the veth end inside it
  };

  // `queues`: number of TX and RX queues of each veth end.
  explicit NetnsPair(unsigned queues = 1);
  ~NetnsPair();
  NetnsPair(const NetnsPair&) = delete;
  NetnsPair& operator=(const NetnsPair&) = delete;

  const End& a() const { return a_; }
  const End& b() const { return b_; }

  // Runs `body` on a thread that entered `netns` (setns), and waits for it.
  // Sockets created there stay in that namespace after the thread is gone.
  // An exception thrown by `body` is rethrown here.
  static void run_in(const std::string& netns, const std::function<void()>& body);
  void run_in(const End& end, const std::function<void()>& body) const { run_in(end.netns, body); }

  // Runs a shell command inside the namespace (`ip netns exec`); throws
  // when it fails.
  static void exec_in(const std::string& netns, const std::string& command);

 private:
  void remove() noexcept;

  End a_;
  End b_;
};

}  // namespace strait::testing
