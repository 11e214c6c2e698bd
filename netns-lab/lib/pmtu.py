#!/usr/bin/python3
"""pmtu.py DESTINATION SIZE [--timeout S]: sends one UDP datagram of SIZE
bytes of IP packet with Don't Fragment set, ignoring the route's MTU
(IP_PMTUDISC_PROBE: only the interface MTU limits it), and reports the ICMP
error that comes back: "fragmentation-needed FROM MTU" (exit 0), or
"no-error" (exit 1) when none arrives within the timeout. The lab's path MTU
check: a packet too large for the tunnel must get Fragmentation Needed from
the gateway, not vanish."""
import argparse
import select
import socket
import struct
import sys

IP_MTU_DISCOVER = 10
IP_PMTUDISC_PROBE = 3
IP_RECVERR = 11
MSG_ERRQUEUE = 0x2000
SO_EE_ORIGIN_ICMP = 2


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("destination")
    parser.add_argument("size", type=int, help="IP packet size in bytes")
    parser.add_argument("--timeout", type=float, default=3.0)
    args = parser.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE)
    sock.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
    sock.connect((socket.gethostbyname(args.destination), 33434))
    sock.send(b"\0" * (args.size - 28))
    poller = select.poll()
    poller.register(sock, select.POLLERR)
    if not poller.poll(int(args.timeout * 1000)):
        print("no-error")
        return 1
    _, ancillary, _, _ = sock.recvmsg(2048, 512, MSG_ERRQUEUE)
    for level, kind, data in ancillary:
        if level != socket.IPPROTO_IP or kind != IP_RECVERR:
            continue
        errno_, origin, icmp_type, icmp_code, _, info, _ = struct.unpack_from("=IBBBBII", data)
        offender = socket.inet_ntoa(data[16 + 4:16 + 8])
        if origin == SO_EE_ORIGIN_ICMP and icmp_type == 3 and icmp_code == 4:
            print(f"fragmentation-needed {offender} {info}")
            return 0
        print(f"icmp type {icmp_type} code {icmp_code} from {offender} (errno {errno_})")
        return 1
    print("no-error")
    return 1


if __name__ == "__main__":
    sys.exit(main())
