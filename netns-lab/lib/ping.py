#!/usr/bin/python3
"""ping.py DESTINATION [--timeout SECONDS]: one ICMPv4 echo request; exits 0
when the matching reply arrives within the timeout (default 1 s), else 1.
The lab's own ping (Debian's iputils-ping is not always installed); needs
a raw socket (root)."""
import argparse
import os
import socket
import struct
import sys
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("destination")
    parser.add_argument("--timeout", type=float, default=1.0)
    args = parser.parse_args()
    ident = os.getpid() & 0xFFFF
    payload = b"strait-lab" + os.urandom(8)
    header = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
    packet = struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, 1) + payload
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as s:
        try:
            s.sendto(packet, (args.destination, 0))
        except OSError:  # no route yet, ARP failed: no reply either
            time.sleep(args.timeout)
            return 1
        deadline = time.monotonic() + args.timeout
        while (left := deadline - time.monotonic()) > 0:
            s.settimeout(left)
            try:
                data, (source, _) = s.recvfrom(65535)
            except (socket.timeout, BlockingIOError):
                break
            icmp = data[(data[0] & 0x0F) * 4:]
            if (source == args.destination and len(icmp) >= 8 and icmp[0] == 0 and
                    struct.unpack("!HH", icmp[4:8]) == (ident, 1) and icmp[8:] == payload):
                return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
