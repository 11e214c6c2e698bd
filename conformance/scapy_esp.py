#!/usr/bin/python3
"""Independent ESP (AES-GCM-16, ESN) encryption and decryption with Scapy.

Interop check for PROTOCOL.md section 1: the gateway's ESP must be readable
by Scapy's SecurityAssociation and vice versa.

  scapy_esp.py encrypt --spi N --key HEX16 --salt HEX4 < lines
      each input line: "<64-bit seq> <inner IP packet hex>"
      each output line: "<ESP payload hex>" (SPI through ICV; Scapy picks a
      random IV)
  scapy_esp.py decrypt --spi N --key HEX16 --salt HEX4 < lines
      each input line: "<64-bit seq> <ESP payload hex>"
      each output line: "<inner layer name> <inner packet hex>"

Run with /usr/bin/python3 (the interpreter that has scapy).
"""

import argparse
import sys

from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.packet import Raw, raw

TUNNEL_SOURCE = "192.0.2.1"
TUNNEL_DESTINATION = "192.0.2.2"


def security_association(args, seq, tunnel_header=None, nat_t_header=None):
    """The SA of args (spi, key, salt) at sequence number seq (64 bits:
    ESN), in tunnel mode under tunnel_header (default TUNNEL_SOURCE ->
    TUNNEL_DESTINATION), in UDP under nat_t_header if given (RFC 3948)."""
    return SecurityAssociation(
        ESP,
        spi=args.spi,
        seq_num=seq & 0xFFFFFFFF,
        crypt_algo="AES-GCM",
        crypt_key=bytes.fromhex(args.key) + bytes.fromhex(args.salt),
        auth_algo="NULL",
        esn_en=True,
        esn=seq >> 32,
        tunnel_header=(IP(src=TUNNEL_SOURCE, dst=TUNNEL_DESTINATION)
                       if tunnel_header is None else tunnel_header),
        nat_t_header=nat_t_header,
    )


def encrypt(args, seq, inner):
    sa = security_association(args, seq)
    packet = IP(inner) if inner[0] >> 4 == 4 else IPv6(inner)
    if raw(packet) != inner:
        raise ValueError("inner packet does not survive Scapy's dissection")
    encrypted = sa.encrypt(packet, seq_num=seq & 0xFFFFFFFF, esn=seq >> 32)
    return raw(encrypted[ESP]).hex()


def decrypt(args, seq, payload):
    sa = security_association(args, seq)
    if int.from_bytes(payload[4:8], "big") != seq & 0xFFFFFFFF:
        raise ValueError("seq_lo in the packet does not match the given sequence")
    outer = IP(raw(IP(src=TUNNEL_DESTINATION, dst=TUNNEL_SOURCE, proto=50) / Raw(payload)))
    inner = sa.decrypt(outer)
    return "%s %s" % (inner.name.replace(" ", "_"), raw(inner).hex())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("encrypt", "decrypt"))
    parser.add_argument("--spi", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--salt", required=True)
    args = parser.parse_args()
    operation = encrypt if args.mode == "encrypt" else decrypt
    for line in sys.stdin:
        if not line.strip():
            continue
        seq, data = line.split()
        print(operation(args, int(seq), bytes.fromhex(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
