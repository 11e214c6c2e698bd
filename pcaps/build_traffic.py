#!/usr/bin/python3
"""Writes deterministic private-side traffic captures the benchmarks share,
into pcaps/traffic/, with the gateway configurations they are addressed to:

  gateway-v4.conf        one queue; mtu 1500; route tokyo 10.2.0.0/16 (static SAs)
  gateway-v4-2q.conf     the same with two queues (two public interfaces)
  imix.pcap              10,000 frames, 64/594/1518-byte frames (FCS included,
                         so 60/590/1514 bytes captured) in the ratio 7:4:1
  60b.pcap               10,000 60-byte frames (46-byte IP packets)
  1440b.pcap             2,000 frames of 1440-byte IP packets (1454-byte frames)
  many-flows.pcap        10,000 frames, 1000 flows (distinct address and port
                         pairs) of 10 packets each, interleaved; 128-byte IP packets

Every frame is IPv4/UDP from a host on the private side (10.1.0.0/16) to a
host behind route tokyo (10.2.0.0/16), Ethernet from the private next hop
(02:00:00:01:00:02) to the gateway's private MAC (02:00:00:01:00:01), TTL 64;
timestamps 1 microsecond apart from 2026-01-01T00:00:00Z. With
gateway-v4-2q.conf, half of every capture goes to each queue under
FORMAT.md's RSS rule (xor of the address bytes). Regenerating gives
identical bytes.

    /usr/bin/python3 pcaps/build_traffic.py
"""

import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import casekit  # noqa: E402
import dataplane  # noqa: E402

OUT = os.path.join(HERE, "traffic")
ETHER = bytes.fromhex(dataplane.PRIVATE_MAC.replace(":", "")) + \
    bytes.fromhex(dataplane.PRIVATE_NEXTHOP_MAC.replace(":", "")) + b"\x08\x00"


def checksum(data):
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(ip_size, src, dst, sport, dport, ident):
    """Ethernet | IPv4 | UDP | payload, ip_size bytes of IP. The UDP checksum
    is 0 (none: allowed for IPv4), the payload a fixed pattern."""
    udp_length = ip_size - 20
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_size, ident & 0xFFFF, 0, 64, 17, 0,
                     bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", sport, dport, udp_length, 0)
    data = bytes((ident + i) & 0xFF for i in range(udp_length - 8))
    return ETHER + ip + udp + data


def write(name, frames):
    casekit.write_pcap(os.path.join(OUT, name), [(i * 1e-6, f) for i, f in enumerate(frames)])


def host(i):
    return (10, 1, 7 + i // 250, 1 + i % 250)


def remote(i):
    return (10, 2, 5 + i // 250, 1 + (i * 7 + i // 2) % 250)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, queues in (("gateway-v4.conf", 1), ("gateway-v4-2q.conf", 2)):
        with open(os.path.join(OUT, name), "w") as f:
            f.write(dataplane.config(dataplane.V4, queues=queues, mtu=1500, comment=(
                "Addressed by pcaps/traffic/*.pcap (pcaps/build_traffic.py writes both):\n"
                "a data-plane gateway, static SAs with fixed keys, mtu 1500.")))
    # IMIX 7:4:1 of 64/594/1518-byte frames (with FCS): 46/576/1500-byte IP.
    pattern = [46] * 7 + [576] * 4 + [1500]
    order = [pattern[(i * 5) % 12] for i in range(12)]  # spread the sizes
    write("imix.pcap", [frame(order[i % 12], host(i % 16), remote(i % 16), 4000, 5000, i)
                        for i in range(10000)])
    write("60b.pcap", [frame(46, host(i % 16), remote(i % 16), 4000, 5000, i)
                       for i in range(10000)])
    write("1440b.pcap", [frame(1440, host(i % 16), remote(i % 16), 4000, 5000, i)
                         for i in range(2000)])
    write("many-flows.pcap", [frame(128, host(i % 1000), remote(i % 1000),
                                    10000 + i % 1000, 5000, i) for i in range(10000)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
