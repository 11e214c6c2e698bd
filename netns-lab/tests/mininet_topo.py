#!/usr/bin/python3
"""netns-lab/topo.py built by Debian's Mininet (the `mininet` package):
every host gets the interfaces and addresses of the lab, the kube nodes
their 1440-byte route to the other region, and the topology carries
traffic (in the clear: Mininet's gateways are plain routers). Then the
command line of the README, `mn --custom netns-lab/topo.py --topo
paristokyo`, builds and tears it down. Exit status 77 (CTest: Skipped)
when Mininet is not installed or not run as root, with the reason."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.dirname(HERE)

try:
    from mininet.log import setLogLevel
    from mininet.net import Mininet
except ImportError as error:
    print(f"SKIP: Mininet is not installed ({error}); apt-get install --no-install-recommends mininet")
    sys.exit(77)

sys.path.insert(0, LAB)
import topo  # noqa: E402  (netns-lab/topo.py)

failures = []


def check(ok, what):
    print(("PASS " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def main():
    setLogLevel("warning")
    net = Mininet(topo=topo.ParisTokyo(), controller=None, build=True, waitConnected=False)
    try:
        net.start()
        for host1, intf1, ip1, host2, intf2, ip2 in topo.LAB_LINKS:
            for host, intf, ip in ((host1, intf1, ip1), (host2, intf2, ip2)):
                out = net[host].cmd(f"ip -o -4 addr show dev {intf}")
                if ip:
                    check(f" {ip} " in out, f"{host} {intf} has {ip}")
                else:
                    check("does not exist" not in out and " inet " not in out,
                          f"{host} {intf} exists, without an address")
        for bridge, (_, address) in topo.LAB_BRIDGES.items():
            out = net["internet"].cmd(f"ip -o -4 addr show dev {bridge}")
            check(f" {address} " in out, f"internet {bridge} has {address}")
        for host, remote in (("kube-node-paris", "172.32.0.0/16"), ("kube-node-tokyo", "172.31.0.0/16")):
            out = net[host].cmd(f"ip route show {remote}")
            check(f"mtu {topo.LAB_TUNNEL_MTU}" in out, f"{host}: route {remote} mtu {topo.LAB_TUNNEL_MTU}: {out.strip()}")
        for host, address in (("kube-node-paris", "172.32.1.20"), ("kube-node-tokyo", "172.31.1.20"),
                              ("pod-paris-1", "10.244.1.1"), ("pod-tokyo-1", "10.244.2.1")):
            out = net[host].cmd(f"ping -c 2 -W 2 -i 0.3 {address}")
            check(" 0 received" not in out and " received" in out, f"{host} pings {address}")
    finally:
        net.stop()
    # The README's command line (no OpenFlow controller or switch needed:
    # the topology has none). mn cleans up after an error by name, machine
    # wide (killall ping mnexec ..., rm /tmp/*.log, ip link del *-ethN), so
    # it runs in namespaces of its own: pids, mounts (a private /tmp and
    # HOME) and network.
    # The checkout itself may live under /tmp (a CI clone): the private /tmp
    # would hide it, so topo.py goes in by value (TOPO_PY) and mn reads a
    # copy inside.
    sandbox = ("mount -t tmpfs none /tmp && printf '%s' \"$TOPO_PY\" > /tmp/topo.py && "
               "HOME=/tmp exec timeout 120 mn --custom /tmp/topo.py"
               " --topo paristokyo --controller none --test build")
    with open(os.path.join(LAB, "topo.py"), encoding="utf-8") as f:
        environment = dict(os.environ, TOPO_PY=f.read())
    result = subprocess.run(
        ["unshare", "--pid", "--fork", "--mount-proc", "--mount", "--net", "sh", "-c", sandbox],
        capture_output=True, text=True, timeout=150, env=environment)
    output = result.stderr + result.stdout
    check(result.returncode == 0 and "*** Adding hosts:" in output
          and "Caught exception" not in output,
          "mn --custom netns-lab/topo.py --topo paristokyo --test build"
          + ("" if result.returncode == 0 and "Caught exception" not in output
             else ": " + output[-600:]))
    return 1 if failures else 0


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (Mininet builds network namespaces)")
        sys.exit(77)
    sys.exit(main())
