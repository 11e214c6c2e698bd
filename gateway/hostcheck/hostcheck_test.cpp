#define BOOST_TEST_MODULE hostcheck
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "config/load.hpp"
#include "daemon/instance_directory.hpp"
#include "hostcheck/checks.hpp"
#include "hostcheck/host_check.hpp"
#include "hostcheck/needs.hpp"
#include "hostcheck/system.hpp"

#ifndef AF_XDP
#define AF_XDP 44
#endif

using namespace strait;
using namespace strait::hostcheck;

namespace {

const std::string kLabConfig = STRAIT_SOURCE_DIR "/netns-lab/vita-paris.conf";

// A machine as files: <root>/proc, <root>/sys, <root>/boot, and the
// configuration (the lab's vita-paris: private eth1 with two queues, eth2
// and eth3 public, mtu 1440).
struct Tree {
  std::string root;
  Tree() {
    char pattern[] = "/tmp/strait-hostcheck-test-XXXXXX";
    root = mkdtemp(pattern);
  }
  ~Tree() { std::filesystem::remove_all(root); }
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;

  void write(const std::string& path, const std::string& text) const {
    const std::filesystem::path full = root + "/" + path;
    std::filesystem::create_directories(full.parent_path());
    std::ofstream(full) << text;
  }
  void remove(const std::string& path) const { std::filesystem::remove_all(root + "/" + path); }
  std::string path(const std::string& relative) const { return root + "/" + relative; }
};

void interface(const Tree& tree, const std::string& ifname, int queues, const std::string& mtu) {
  const std::string dir = "sys/class/net/" + ifname + "/";
  tree.write(dir + "flags", "0x1003\n");
  tree.write(dir + "carrier", "1\n");
  tree.write(dir + "mtu", mtu + "\n");
  for (int q = 0; q < queues; ++q) {
    std::filesystem::create_directories(tree.path(dir + "queues/rx-" + std::to_string(q)));
    std::filesystem::create_directories(tree.path(dir + "queues/tx-" + std::to_string(q)));
  }
}

// What a tree's machine answers beyond files; --apply's changes land in the
// tree (flags, mounts) or here (channels, offloads).
struct FakeSystem final : System {
  const Tree& tree;
  int af_xdp = 0;
  int af_packet = 0;
  int bpf = 0;
  std::map<std::string, Channels> channel_table;  // absent: EOPNOTSUPP
  std::map<std::string, Offloads> offload_table;
  std::vector<std::string> calls;

  explicit FakeSystem(const Tree& t) : tree(t) {}
  int probe_socket(int family) override { return family == AF_XDP ? af_xdp : af_packet; }
  int probe_bpf() override { return bpf; }
  base::Result<Channels> channels(const std::string& ifname) override {
    const auto it = channel_table.find(ifname);
    if (it == channel_table.end())
      return base::Error{ifname + ": ETHTOOL_GCHANNELS: Operation not supported", EOPNOTSUPP};
    return it->second;
  }
  base::Status set_receive_queues(const std::string& ifname, std::uint32_t n) override {
    calls.push_back("queues " + ifname + " " + std::to_string(n));
    Channels& c = channel_table.at(ifname);
    (c.max_combined > 0 ? c.combined : c.rx) = n;
    return base::Ok{};
  }
  base::Result<Offloads> offloads(const std::string& ifname) override {
    return offload_table[ifname];
  }
  base::Status turn_off(const std::string& ifname, const Offloads& which) override {
    calls.push_back(std::string("offloads ") + ifname + (which.gro ? " gro" : "") +
                    (which.lro ? " lro" : ""));
    if (which.gro) offload_table[ifname].gro = false;
    if (which.lro) offload_table[ifname].lro = false;
    return base::Ok{};
  }
  base::Status set_up(const std::string& ifname) override {
    calls.push_back("up " + ifname);
    tree.write("sys/class/net/" + ifname + "/flags", "0x1003\n");
    return base::Ok{};
  }
  base::Status mount_bpffs(const std::string& path) override {
    calls.push_back("mount " + path);
    std::ofstream(tree.path("proc/self/mounts"), std::ios::app)
        << "bpf " << path << " bpf rw 0 0\n";
    return base::Ok{};
  }
};

// A machine ready for the lab's vita-paris on AF_XDP with --cpu 2,3.
struct Host {
  Tree tree;
  FakeSystem system{tree};
  Options options;

  Host() {
    tree.write("proc/sys/kernel/osrelease", "6.1.0-test\n");
    tree.write("boot/config-6.1.0-test", "CONFIG_XDP_SOCKETS=y\nCONFIG_BPF_SYSCALL=y\n");
    tree.write("proc/self/mounts", "sysfs " + tree.path("sys") + " sysfs rw 0 0\nbpf " +
                                       tree.path("sys/fs/bpf") + " bpf rw 0 0\n");
    tree.write("proc/self/status", "Name:\tstrait\nCapEff:\t000001ffffffffff\n");
    tree.write("proc/self/limits",
               "Limit                     Soft Limit           Hard Limit           Units\n"
               "Max locked memory         8388608              8388608              bytes\n");
    tree.write("sys/devices/system/cpu/online", "0-3\n");
    tree.write("sys/devices/system/cpu/isolated", "2-3\n");
    interface(tree, "eth1", 2, "1500");
    interface(tree, "eth2", 1, "1500");
    interface(tree, "eth3", 1, "1500");
    system.channel_table["eth1"] = Channels{0, 0, 8, 0, 0, 2};
    system.channel_table["eth2"] = Channels{0, 0, 8, 0, 0, 1};
    system.channel_table["eth3"] = Channels{0, 0, 8, 0, 0, 1};
    std::filesystem::copy_file(kLabConfig, tree.path("paris.conf"));
    std::filesystem::permissions(tree.path("paris.conf"), std::filesystem::perms::owner_read |
                                                              std::filesystem::perms::owner_write);
    std::filesystem::create_directories(tree.path("run"));
    options.config_path = tree.path("paris.conf");
    options.name = "paris";
    options.cpus = {2, 3};
    options.run_root = tree.path("run");
    options.user = static_cast<std::uint32_t>(::geteuid());
    options.roots = Roots{tree.path("proc"), tree.path("sys"), tree.path("boot")};
  }

  Report check() { return check_host(options, system); }
};

std::string text(const Report& report) {
  std::string out;
  for (const Finding& finding : report.findings)
    out += format(finding) + "\n";
  return out;
}

// The line of `report` that starts with `start`, or "".
std::string line(const Report& report, const std::string& start) {
  for (const Finding& finding : report.findings) {
    const std::string formatted = format(finding);
    if (formatted.starts_with(start)) return formatted;
  }
  return "";
}

bool has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_ready_host_passes_every_check) {
  Host host;
  const Report report = host.check();
  const std::string all = text(report);
  BOOST_TEST(report.passed(), all);
  BOOST_TEST(report.count(Verdict::kWarn) == 0, all);
  BOOST_TEST(report.count(Verdict::kFail) == 0);
  BOOST_TEST(has(line(report, "ok    config: "),
                 "2 queues, eth1 private, eth2 public (queue 1), "
                 "eth3 public (queue 2), mtu 1440, AF_XDP"));
  BOOST_TEST(has(text(report), "ok    kernel: AF_XDP sockets\n"));
  BOOST_TEST(has(text(report), "ok    kernel: bpf() system call\n"));
  BOOST_TEST(has(text(report), "ok    bpffs: mounted on " + host.tree.path("sys/fs/bpf") + "\n"));
  BOOST_TEST(has(text(report), "ok    eth1: up\n"));
  BOOST_TEST(has(text(report), "ok    eth1: MTU 1500 (needs 1440: mtu 1440)\n"));
  BOOST_TEST(has(text(report), "ok    eth2: MTU 1500 (needs 1497: mtu 1440 + 57 bytes of ESP)\n"));
  BOOST_TEST(has(text(report),
                 "ok    eth1: 2 receive queues, as AF_XDP needs (the gateway "
                 "binds receive queues 0-1)\n"));
  BOOST_TEST(has(text(report), "ok    eth3: 1 receive queue, as AF_XDP needs"));
  BOOST_TEST(has(text(report), "ok    cpus: 2,3 online and isolated\n"));
  BOOST_TEST(has(text(report), "ok    locked memory: CAP_IPC_LOCK: no limit; 68 MiB needed"));
  BOOST_TEST(has(text(report), "ok    instance paris: free"));
  BOOST_TEST(host.system.calls.empty());
  BOOST_TEST(apply_fixes(report, host.system).empty());
}

BOOST_AUTO_TEST_CASE(a_missing_interface_fails) {
  Host host;
  host.tree.remove("sys/class/net/eth3");
  const Report report = host.check();
  BOOST_TEST(!report.passed());
  BOOST_TEST(has(line(report, "FAIL  eth3: "),
                 "no such interface in this network namespace (the "
                 "public (queue 2) interface of "));
  BOOST_TEST(has(line(report, "FAIL  eth3: "), "fix: check `ip link`"));
  BOOST_TEST(report.count(Verdict::kFail) == 1);
}

BOOST_AUTO_TEST_CASE(too_few_receive_queues_fail_and_apply_sets_them) {
  Host host;
  host.system.channel_table["eth1"].combined = 1;
  const Report report = host.check();
  BOOST_TEST(!report.passed());
  const std::string failed = line(report, "FAIL  eth1: ");
  BOOST_TEST(has(failed, "1 receive queue, AF_XDP needs exactly 2"), failed);
  BOOST_TEST(has(failed, "; fix: ethtool -L eth1 combined 2"), failed);
  const auto applied = apply_fixes(report, host.system);
  BOOST_TEST_REQUIRE(applied.size() == 1u);
  BOOST_TEST(applied[0].fix == "ethtool -L eth1 combined 2");
  BOOST_TEST(applied[0].status.ok());
  BOOST_TEST((host.system.calls == std::vector<std::string>{"queues eth1 2"}));
  BOOST_TEST(host.check().passed());
}

BOOST_AUTO_TEST_CASE(more_receive_queues_than_bound_fail_with_af_xdp_only) {
  Host host;
  host.system.channel_table["eth2"] = Channels{4, 4, 0, 4, 4, 0};  // rx channels, veth-like
  Report report = host.check();
  const std::string failed = line(report, "FAIL  eth2: ");
  BOOST_TEST(has(failed, "4 receive queues, AF_XDP needs exactly 1"), failed);
  BOOST_TEST(has(failed, "would reach the kernel, not the gateway"), failed);
  BOOST_TEST(has(failed, "; fix: ethtool -L eth2 rx 1"), failed);
  host.options.backend = backend::BackendKind::kAfPacket;
  report = host.check();
  BOOST_TEST(report.passed(), text(report));
  BOOST_TEST(has(text(report), "ok    eth2: 4 receive queues (any number serves AF_PACKET)"));
}

BOOST_AUTO_TEST_CASE(queues_from_sysfs_when_the_driver_has_no_channels) {
  Host host;
  host.system.channel_table.erase("eth1");
  Report report = host.check();
  BOOST_TEST(has(text(report), "ok    eth1: 2 receive queues, as AF_XDP needs"), text(report));
  host.tree.remove("sys/class/net/eth1/queues/rx-1");
  report = host.check();
  const std::string failed = line(report, "FAIL  eth1: ");
  BOOST_TEST(has(failed, "1 receive queue, AF_XDP needs exactly 2"), failed);
  BOOST_TEST(has(failed, "the driver does not change its queues"), failed);
  BOOST_TEST(apply_fixes(report, host.system).empty());
}

BOOST_AUTO_TEST_CASE(more_queues_than_the_device_takes) {
  Host host;
  host.system.channel_table["eth1"] = Channels{0, 0, 1, 0, 0, 1};
  const std::string failed = line(host.check(), "FAIL  eth1: ");
  BOOST_TEST(has(failed, "fix: the device takes at most 1: use fewer queues in "), failed);
}

BOOST_AUTO_TEST_CASE(a_cpu_that_is_not_there_fails) {
  Host host;
  host.options.cpus = {2, 9};
  const Report report = host.check();
  BOOST_TEST(!report.passed());
  BOOST_TEST(has(line(report, "FAIL  cpus: "), "CPU 9 not online here (online: 0-3)"));
  host.options.cpus = {2};
  BOOST_TEST(has(line(host.check(), "FAIL  cpus: "), "--cpu 2 lists 1 CPU(s) for 2 queues"));
}

BOOST_AUTO_TEST_CASE(cpus_not_isolated_warn) {
  Host host;
  host.tree.write("sys/devices/system/cpu/isolated", "\n");
  Report report = host.check();
  BOOST_TEST(report.passed());
  const std::string warned = line(report, "warn  cpus: ");
  BOOST_TEST(has(warned, "2,3 online, but 2,3 not isolated"), warned);
  BOOST_TEST(has(warned, "fix: boot with isolcpus=2,3 nohz_full=2,3 rcu_nocbs=2,3"), warned);
  host.tree.write("sys/devices/system/cpu/isolated", "3\n");
  BOOST_TEST(has(line(host.check(), "warn  cpus: "), "but 2 not isolated"));
  host.options.cpus.clear();
  BOOST_TEST(has(text(host.check()), "ok    cpus: workers not pinned (no --cpu)"));
}

BOOST_AUTO_TEST_CASE(bpffs_not_mounted_warns_and_apply_mounts_it) {
  Host host;
  host.tree.write("proc/self/mounts", "sysfs " + host.tree.path("sys") + " sysfs rw 0 0\n");
  const Report report = host.check();
  BOOST_TEST(report.passed());
  const std::string warned = line(report, "warn  bpffs: ");
  BOOST_TEST(has(warned, "not mounted on " + host.tree.path("sys/fs/bpf")), warned);
  BOOST_TEST(has(warned, "fix: mount -t bpf bpf " + host.tree.path("sys/fs/bpf")), warned);
  BOOST_TEST(apply_fixes(report, host.system).size() == 1u);
  BOOST_TEST(has(text(host.check()), "ok    bpffs: mounted"));
  // AF_PACKET does not need it.
  host.tree.write("proc/self/mounts", "");
  host.options.backend = backend::BackendKind::kAfPacket;
  BOOST_TEST(!has(text(host.check()), "bpffs"));
}

BOOST_AUTO_TEST_CASE(a_link_down_fails_and_apply_sets_it_up_last) {
  Host host;
  host.tree.write("sys/class/net/eth2/flags", "0x1002\n");
  host.system.channel_table["eth2"].combined = 2;
  host.tree.write("proc/self/mounts", "");
  const Report report = host.check();
  BOOST_TEST(has(line(report, "FAIL  eth2: down"), "fix: ip link set eth2 up"));
  const auto applied = apply_fixes(report, host.system);
  BOOST_TEST(applied.size() == 3u);
  BOOST_TEST((host.system.calls == std::vector<std::string>{"mount " + host.tree.path("sys/fs/bpf"),
                                                            "queues eth2 1", "up eth2"}));
  const Report again = host.check();
  BOOST_TEST(again.passed(), text(again));
  BOOST_TEST(again.count(Verdict::kWarn) == 0);
}

BOOST_AUTO_TEST_CASE(no_carrier_warns) {
  Host host;
  host.tree.write("sys/class/net/eth3/carrier", "0\n");
  const Report report = host.check();
  BOOST_TEST(report.passed());
  BOOST_TEST(has(line(report, "warn  eth3: "), "up, but no carrier"));
}

BOOST_AUTO_TEST_CASE(an_mtu_too_small_for_the_tunnel_fails) {
  Host host;
  host.tree.write("sys/class/net/eth1/mtu", "1400\n");
  host.tree.write("sys/class/net/eth2/mtu", "1496\n");
  const Report report = host.check();
  BOOST_TEST(report.count(Verdict::kFail) == 2);
  BOOST_TEST(has(line(report, "FAIL  eth1: "),
                 "MTU 1400, below the 1440 bytes the private side "
                 "needs (mtu 1440); fix: ip link set eth1 mtu 1440"));
  BOOST_TEST(has(line(report, "FAIL  eth2: "), "MTU 1496, below the 1497 bytes"));
}

BOOST_AUTO_TEST_CASE(kernels_without_af_xdp_or_bpf) {
  Host host;
  host.system.af_xdp = EAFNOSUPPORT;
  BOOST_TEST(has(line(host.check(), "FAIL  kernel: "), "no AF_XDP sockets in this kernel"));
  // Not probed without privilege: the kernel's configuration tells.
  host.system.af_xdp = EPERM;
  BOOST_TEST(has(text(host.check()), "ok    kernel: AF_XDP sockets (CONFIG_XDP_SOCKETS=y in "));
  host.tree.write("boot/config-6.1.0-test",
                  "# CONFIG_XDP_SOCKETS is not set\nCONFIG_BPF_SYSCALL=y\n");
  BOOST_TEST(has(line(host.check(), "FAIL  kernel: "),
                 "no AF_XDP sockets in this kernel (CONFIG_XDP_SOCKETS=n in "));
  host.tree.remove("boot/config-6.1.0-test");
  const std::string unknown = line(host.check(), "warn  kernel: ");
  BOOST_TEST(has(unknown, "AF_XDP sockets: cannot tell (Operation not permitted)"), unknown);
  BOOST_TEST(has(unknown, "fix: run strait check-host as root"), unknown);
  host.system.af_xdp = 0;
  host.system.bpf = ENOSYS;
  BOOST_TEST(has(line(host.check(), "FAIL  kernel: "), "no bpf() system call in this kernel"));
}

BOOST_AUTO_TEST_CASE(locked_memory_for_the_frame_pools) {
  Host host;
  host.tree.write("proc/self/status", "CapEff:\t0000000000000000\n");
  Report report = host.check();
  const std::string failed = line(report, "FAIL  locked memory: ");
  BOOST_TEST(has(failed, "limit 8 MiB (this process, without CAP_IPC_LOCK), 68 MiB needed"),
             failed);
  BOOST_TEST(has(failed, "LimitMEMLOCK=infinity"), failed);
  host.options.backend = backend::BackendKind::kAfPacket;
  BOOST_TEST(has(text(host.check()), "ok    locked memory: limit 8 MiB; 4 MiB needed (the keys)"));
  host.options.backend = backend::BackendKind::kXdp;
  host.tree.write("proc/self/limits",
                  "Max locked memory         unlimited            unlimited "
                  "           bytes\n");
  BOOST_TEST(has(text(host.check()), "ok    locked memory: no limit; 68 MiB needed"));
}

BOOST_AUTO_TEST_CASE(a_running_instance_of_the_name_fails) {
  Host host;
  auto claimed = daemon::InstanceDirectory::claim(host.options.run_root, "paris");
  BOOST_TEST_REQUIRE(claimed.ok());
  const std::string failed = line(host.check(), "FAIL  instance paris: ");
  BOOST_TEST(has(failed, "already running (pid " + std::to_string(::getpid())), failed);
  BOOST_TEST(has(failed, "systemctl stop strait@paris"), failed);
  claimed = base::Error{"released"};
  BOOST_TEST(has(text(host.check()), "ok    instance paris: free"));
}

BOOST_AUTO_TEST_CASE(a_key_file_others_may_read_fails) {
  Host host;
  ::chmod(host.options.config_path.c_str(), 0644);
  const Report report = host.check();
  const std::string failed = line(report, "FAIL  config: ");
  BOOST_TEST(has(failed, "holds keys"), failed);
  BOOST_TEST(has(failed, "`chmod 600 " + host.options.config_path + "`"), failed);
  // The other checks still ran.
  BOOST_TEST(has(text(report), "ok    eth1: up"));
}

BOOST_AUTO_TEST_CASE(a_configuration_that_does_not_load_stops_the_checks) {
  Host host;
  host.options.config_path = host.tree.path("tokyo.conf");
  Report report = host.check();
  BOOST_TEST_REQUIRE(report.findings.size() == 1u);
  BOOST_TEST(has(line(report, "FAIL  config: "), "cannot open configuration file"));
  host.tree.write("bad.conf", "mtu nonsense;\n");
  host.options.config_path = host.tree.path("bad.conf");
  report = host.check();
  BOOST_TEST_REQUIRE(report.findings.size() == 1u);
  BOOST_TEST(has(line(report, "FAIL  config: "), "fix: fix the configuration file"));
}

BOOST_AUTO_TEST_CASE(offloads_the_backend_needs_off) {
  Host host;
  host.system.offload_table["eth1"] = Offloads{true, false};
  host.system.offload_table["eth2"] = Offloads{true, true};
  // AF_XDP sees frames before GRO: only LRO matters.
  Report report = host.check();
  BOOST_TEST(!has(text(report), "FAIL  eth1"));
  BOOST_TEST(has(line(report, "FAIL  eth2: "), "LRO on: "));
  BOOST_TEST(has(line(report, "FAIL  eth2: "), "fix: ethtool -K eth2 lro off"));
  host.options.backend = backend::BackendKind::kAfPacket;
  report = host.check();
  BOOST_TEST(has(line(report, "FAIL  eth1: "), "GRO on: "));
  BOOST_TEST(has(line(report, "FAIL  eth2: "), "fix: ethtool -K eth2 gro off lro off"));
  BOOST_TEST(apply_fixes(report, host.system).size() == 2u);
  report = host.check();
  BOOST_TEST(report.passed(), text(report));
  BOOST_TEST(has(text(report), "ok    eth2: GRO and LRO off"));
}

BOOST_AUTO_TEST_CASE(kernel_cpu_lists) {
  BOOST_TEST(
      (parse_kernel_cpu_list("0-3,8\n") == std::optional<std::vector<int>>({0, 1, 2, 3, 8})));
  BOOST_TEST((parse_kernel_cpu_list("\n") == std::optional<std::vector<int>>(std::vector<int>{})));
  BOOST_TEST(!parse_kernel_cpu_list("3-1").has_value());
  BOOST_TEST(!parse_kernel_cpu_list("a").has_value());
  BOOST_TEST(cpu_list_text({3, 2}) == "2,3");
  BOOST_TEST(cpu_list_text({0, 1, 2, 3, 8, 10, 11}) == "0-3,8,10,11");
}

BOOST_AUTO_TEST_CASE(a_dual_stack_queue_needs_its_outer_familys_overhead) {
  // An IPv4 gateway whose queue 1 is on IPv6 and queue 2 on IPv4
  // (docs/dual-stack.md): each public interface needs mtu plus the ESP
  // overhead of its own family.
  auto dual = config::load(
      "private-interface4 { ifname priv0; ip 10.0.1.10; nexthop-ip 10.0.1.1; }\n"
      "public-interface6 { ifname pub0; ip 2001:db8:2::10; nexthop-ip 2001:db8:2::1; }\n"
      "public-interface4 { ifname pub1; ip 10.0.2.10; nexthop-ip 10.0.2.1; queue 2; }\n"
      "mtu 1400;\n",
      "t.conf");
  if (!dual.ok()) BOOST_FAIL(dual.error().message);
  auto needs = needs_of(*dual, "t.conf", backend::BackendKind::kAfPacket, {});
  BOOST_TEST_REQUIRE(needs.ok());
  BOOST_TEST_REQUIRE(needs->interfaces.size() == 3u);
  BOOST_TEST(needs->interfaces[0].min_mtu == 1400u);
  BOOST_TEST(needs->interfaces[1].ifname == "pub0");
  BOOST_TEST(needs->interfaces[1].min_mtu == 1400u + kEspOverhead6);
  BOOST_TEST(needs->interfaces[2].ifname == "pub1");
  BOOST_TEST(needs->interfaces[2].min_mtu == 1400u + kEspOverhead4);
}

BOOST_AUTO_TEST_CASE(what_a_configuration_needs_of_the_host) {
  // One queue over IPv6: the whole private interface (AF_XDP: receive
  // queue 0), a public interface up to its device-queue, ESP over IPv6.
  auto one_queue = config::load(
      "private-interface6 { ifname priv0; ip 2001:db8:1::10; nexthop-ip 2001:db8:1::1; }\n"
      "public-interface6 { ifname pub0; device-queue 3; ip 2001:db8:2::10;\n"
      "  nexthop-ip 2001:db8:2::1; }\n"
      "mtu 1280;\n",
      "t.conf");
  if (!one_queue.ok()) BOOST_FAIL(one_queue.error().message);
  auto needs = needs_of(*one_queue, "t.conf", backend::BackendKind::kXdp, {});
  BOOST_TEST_REQUIRE(needs.ok());
  BOOST_TEST(needs->queues == 1u);
  BOOST_TEST_REQUIRE(needs->interfaces.size() == 2u);
  BOOST_TEST(needs->interfaces[0].ifname == "priv0");
  BOOST_TEST(needs->interfaces[0].roles == "private");
  BOOST_TEST(needs->interfaces[0].receive_queues == 1u);
  BOOST_TEST(needs->interfaces[0].min_mtu == 1280u);
  BOOST_TEST(needs->interfaces[1].ifname == "pub0");
  BOOST_TEST(needs->interfaces[1].receive_queues == 3u);
  BOOST_TEST(needs->interfaces[1].min_mtu == 1280u + kEspOverhead6);
  BOOST_TEST(needs->locked_bytes == (32u << 20) + kSecureHeapAllowance);
  auto af_packet = needs_of(*one_queue, "t.conf", backend::BackendKind::kAfPacket, {});
  BOOST_TEST_REQUIRE(af_packet.ok());
  BOOST_TEST(af_packet->locked_bytes == kSecureHeapAllowance);
  // PCI devices are not kernel interfaces.
  auto pci = config::load_file(STRAIT_SOURCE_DIR "/gateway/config/testdata/vita-paris6.conf");
  BOOST_TEST_REQUIRE(pci.ok());
  auto refused = needs_of(*pci, "vita-paris6.conf", backend::BackendKind::kXdp, {});
  BOOST_TEST_REQUIRE(!refused.ok());
  BOOST_TEST(has(refused.error().message, "has no ifname"), refused.error().message);
}
