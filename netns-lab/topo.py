#!/usr/bin/python3
"""The paris/tokyo lab of `make lab-up` as a Mininet topology:

  mn --custom netns-lab/topo.py --topo paristokyo

The same hosts, links, interface names and addresses as netns-lab/lab-up.sh
(one namespace per host), with the gateways as plain hosts: they route
between their private and public sides in the clear, so the topology works
without strait; run `strait run --name vita-paris --config
netns-lab/vita-paris.conf` on vita-paris (after `ip addr flush` of its
interfaces) to put the tunnel in. What Mininet has no place for: the link
emulation of the internet (lab-up runs `strait wan`; this kernel has no
netem for Mininet's TCLink), the VXLAN overlay between the nodes and the
fake Kubernetes.

  pod-paris-1 -- kube-node-paris -- vita-paris ==(eth2, eth3)== internet
  internet ==(eth2, eth3)== vita-tokyo -- kube-node-tokyo -- pod-tokyo-1

mn copies every global name of a --custom file into its own globals (and
has LINKS, HOSTS, TOPOS... of its own): this file's names start with LAB_.
"""

from mininet.node import Host
from mininet.topo import Topo

LAB_TUNNEL_MTU = 1440
LAB_OVERLAY_MTU = LAB_TUNNEL_MTU - 50

# (host, interface, address) -- (host, interface, address); None: no address.
LAB_LINKS = [
    ("pod-paris-1", "eth0", "10.244.1.2/24", "kube-node-paris", "veth-pod1", "10.244.1.1/24"),
    ("kube-node-paris", "eth0", "172.31.1.20/24", "vita-paris", "eth1", "172.31.1.10/24"),
    ("vita-paris", "eth2", "198.51.100.10/24", "internet", "to-paris-1", None),
    ("vita-paris", "eth3", "198.51.100.11/24", "internet", "to-paris-2", None),
    ("vita-tokyo", "eth2", "203.0.113.10/24", "internet", "to-tokyo-1", None),
    ("vita-tokyo", "eth3", "203.0.113.11/24", "internet", "to-tokyo-2", None),
    ("kube-node-tokyo", "eth0", "172.32.1.20/24", "vita-tokyo", "eth1", "172.32.1.10/24"),
    ("pod-tokyo-1", "eth0", "10.244.2.2/24", "kube-node-tokyo", "veth-pod1", "10.244.2.1/24"),
]

# The seed's routes: each Kubernetes node reaches the remote region through
# its gateway with the tunnel's MTU; pods through their node. In the clear,
# the gateways route the remote region through the internet's router.
LAB_ROUTES = {
    "kube-node-paris": ["172.32.0.0/16 via 172.31.1.10 dev eth0 mtu %d" % LAB_TUNNEL_MTU],
    "kube-node-tokyo": ["172.31.0.0/16 via 172.32.1.10 dev eth0 mtu %d" % LAB_TUNNEL_MTU],
    "pod-paris-1": ["default via 10.244.1.1"],
    "pod-tokyo-1": ["default via 10.244.2.1"],
    "vita-paris": ["172.32.0.0/16 via 198.51.100.1 dev eth2"],
    "vita-tokyo": ["172.31.0.0/16 via 203.0.113.1 dev eth2"],
    "internet": ["172.31.0.0/16 via 198.51.100.10", "172.32.0.0/16 via 203.0.113.10"],
}

# The internet's router: one bridge per region joining the gateway's two
# public interfaces, with the router's address on it.
LAB_BRIDGES = {
    "br-paris": (["to-paris-1", "to-paris-2"], "198.51.100.1/24"),
    "br-tokyo": (["to-tokyo-1", "to-tokyo-2"], "203.0.113.1/24"),
}

LAB_FORWARDING = ("kube-node-paris", "kube-node-tokyo", "vita-paris", "vita-tokyo", "internet")
LAB_POD_MTU = {"pod-paris-1": "eth0", "pod-tokyo-1": "eth0"}


class LabHost(Host):
    """A host of the lab: forwarding, bridges, routes and MTUs as lab-up.sh
    sets them, once Mininet has made its interfaces."""

    def config(self, **params):
        result = super().config(**params)
        self.cmd("sysctl -qw net.ipv6.conf.all.disable_ipv6=1")
        if self.name in LAB_FORWARDING:
            self.cmd("sysctl -qw net.ipv4.ip_forward=1")
        if self.name == "internet":
            for bridge, (members, address) in LAB_BRIDGES.items():
                self.cmd("ip link add %s type bridge" % bridge)
                for member in members:
                    self.cmd("ip link set %s master %s up" % (member, bridge))
                self.cmd("ip addr add %s dev %s" % (address, bridge))
                self.cmd("ip link set %s up" % bridge)
        if self.name in LAB_POD_MTU:
            self.cmd("ip link set %s mtu %d" % (LAB_POD_MTU[self.name], LAB_OVERLAY_MTU))
        for route in LAB_ROUTES.get(self.name, []):
            self.cmd("ip route add " + route)
        return result


class ParisTokyo(Topo):
    "The paris/tokyo lab: two regions, their gateways, the internet between them."

    def build(self):
        names = []
        for link in LAB_LINKS:
            for name in (link[0], link[3]):
                if name not in names:
                    names.append(name)
        for name in names:
            # No default address: every interface's comes with its link.
            self.addHost(name, cls=LabHost, ip=None)
        for host1, intf1, ip1, host2, intf2, ip2 in LAB_LINKS:
            self.addLink(host1, host2, intfName1=intf1, intfName2=intf2,
                         params1={"ip": ip1} if ip1 else {},
                         params2={"ip": ip2} if ip2 else {})


topos = {"paristokyo": ParisTokyo}
