#!/usr/bin/python3
"""Scapy's ESP in tunnel mode on whole outer packets, for dual-stack interop.

The far end of a gateway's tunnel, independently of the gateway's code:
Scapy's SecurityAssociation (AES-GCM-16, key || salt, ESN) in tunnel mode
with an outer header of either family and an inner packet of either
family (docs/dual-stack.md). A coprocess: one request per line on stdin,
one answer per line on stdout.

  encrypt SPI KEY SALT SEQ SOURCE DESTINATION INNER_HEX
      -> the outer IP packet (IPv4 or IPv6 by SOURCE's family) hex, ESP
         payload from Scapy (random IV; next header from the inner packet)
  decrypt SPI KEY SALT OUTER_HEX
      -> "<outer layer> <ESP next header> <inner layer> <inner packet hex>"
  errors -> "error <reason>"

Run with /usr/bin/python3 (the interpreter that has scapy).
"""

import ipaddress
import sys

from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.packet import raw


def association(spi, key, salt, seq, tunnel_header):
    return SecurityAssociation(
        ESP,
        spi=spi,
        seq_num=seq & 0xFFFFFFFF,
        crypt_algo="AES-GCM",
        crypt_key=bytes.fromhex(key) + bytes.fromhex(salt),
        auth_algo="NULL",
        esn_en=True,
        esn=seq >> 32,
        tunnel_header=tunnel_header,
    )


def outer_header(source, destination):
    if ipaddress.ip_address(source).version == 4:
        return IP(src=source, dst=destination)
    return IPv6(src=source, dst=destination)


def parse_ip(data):
    return IP(data) if data[0] >> 4 == 4 else IPv6(data)


def encrypt(spi, key, salt, seq, source, destination, inner_hex):
    inner = parse_ip(bytes.fromhex(inner_hex))
    sa = association(int(spi), key, salt, int(seq), outer_header(source, destination))
    seq = int(seq)
    packet = sa.encrypt(inner, seq_num=seq & 0xFFFFFFFF, esn=seq >> 32)
    return raw(packet).hex()


def decrypt(spi, key, salt, outer_hex):
    outer = parse_ip(bytes.fromhex(outer_hex))
    esp = outer[ESP]
    sa = association(int(spi), key, salt, esp.seq, outer.copy())
    # The next header, as the ESP trailer carries it (Scapy's tunnel-mode
    # decrypt returns the inner packet only).
    clear = sa.crypt_algo.decrypt(sa, esp.copy(), sa.crypt_key, sa.crypt_algo.icv_size,
                                  esn_en=sa.esn_en, esn=sa.esn)
    inner = sa.decrypt(outer)
    return "%s %d %s %s" % (outer.name.replace(" ", "_"), clear.nh, inner.name.replace(" ", "_"),
                            raw(inner).hex())


def main():
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if words[0] == "encrypt" and len(words) == 8:
                answer = encrypt(*words[1:])
            elif words[0] == "decrypt" and len(words) == 5:
                answer = decrypt(*words[1:])
            else:
                answer = "error unknown request"
        except Exception as exception:  # every failure is an answer the test reports
            answer = "error %s: %s" % (type(exception).__name__, exception)
        print(answer, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
