#!/usr/bin/python3
"""ESP in UDP (RFC 3948) with Scapy: Strait's NAT-traversal extension
(docs/NAT-TRAVERSAL.md) against an independent implementation.

  scapy_esp_udp.py encrypt --spi N --key HEX16 --salt HEX4 --src A --dst B
                           --sport P --dport Q < lines
      each input line: "<64-bit seq> <inner IP packet hex>"
      each output line: the whole outer packet (IP | UDP | ESP) in hex, as
      Scapy's SecurityAssociation(nat_t_header=UDP(...)) builds it, with
      the UDP length (and over IPv6 the checksum) corrected (see encrypt)
  scapy_esp_udp.py decrypt --spi N --key HEX16 --salt HEX4 < lines
      each input line: "<64-bit seq> <outer IP packet hex>" (IP | UDP | ESP)
      each output line: "<sport> <dport> <checksum> <inner packet hex>",
      checksum: "zero" (IPv4 may send none), "valid" or "bad"

Run with /usr/bin/python3 (the interpreter that has scapy).
"""

import argparse
import sys

from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import ESP
from scapy.packet import Raw, raw

from scapy_esp import security_association  # this script's folder is on sys.path


def parse_ip(data):
    return IP(data) if data[0] >> 4 == 4 else IPv6(data)


def encrypt(args, seq, inner):
    v4 = ":" not in args.src
    tunnel = IP(src=args.src, dst=args.dst) if v4 else IPv6(src=args.src, dst=args.dst)
    sa = security_association(args, seq, tunnel, UDP(sport=args.sport, dport=args.dport))
    packet = parse_ip(inner)
    if raw(packet) != inner:
        raise ValueError("inner packet does not survive Scapy's dissection")
    data = raw(sa.encrypt(packet, seq_num=seq & 0xFFFFFFFF, esn=seq >> 32))
    # Scapy 2.5.0 fixes the UDP header before it appends ESP: its length
    # says 8. Rebuild the datagram around Scapy's ESP with the real length
    # (the gateway drops a datagram whose UDP length disagrees with IP's)
    # and, over IPv6, the checksum RFC 8200 requires (Scapy leaves 0); over
    # IPv4 0 stays (RFC 3948 3.1.2).
    header = (data[0] & 0x0F) * 4 if v4 else 40
    esp = data[header + 8:]
    udp = UDP(sport=args.sport, dport=args.dport, chksum=0 if v4 else None) / Raw(esp)
    return raw(tunnel / udp).hex()


def checksum_state(outer):
    udp = outer[UDP]
    if udp.chksum == 0:
        return "zero"
    copy = parse_ip(raw(outer))
    copy[UDP].chksum = None
    return "valid" if parse_ip(raw(copy))[UDP].chksum == udp.chksum else "bad"


def decrypt(args, seq, data):
    outer = parse_ip(data)
    if not outer.haslayer(UDP) or not outer.haslayer(ESP):
        raise ValueError("not ESP in UDP")
    udp = outer[UDP]
    sport, dport, state = udp.sport, udp.dport, checksum_state(outer)
    if outer[ESP].seq != seq & 0xFFFFFFFF:
        raise ValueError("seq_lo in the packet does not match the given sequence")
    tunnel = IP() if outer.version == 4 else IPv6()
    sa = security_association(args, seq, tunnel, UDP(sport=sport, dport=dport))
    inner = sa.decrypt(outer)
    return "%d %d %s %s" % (sport, dport, state, raw(inner).hex())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["encrypt", "decrypt"])
    parser.add_argument("--spi", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--salt", required=True)
    parser.add_argument("--src")
    parser.add_argument("--dst")
    parser.add_argument("--sport", type=int, default=4500)
    parser.add_argument("--dport", type=int, default=4500)
    args = parser.parse_args()
    if args.mode == "encrypt" and (args.src is None or args.dst is None):
        parser.error("encrypt needs --src and --dst")
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        seq_text, hex_text = line.split()
        seq, data = int(seq_text), bytes.fromhex(hex_text)
        print(encrypt(args, seq, data) if args.mode == "encrypt" else decrypt(args, seq, data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
