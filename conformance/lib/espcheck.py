"""Shared by the ESP interoperability checks (conformance/checks/scapy_esp,
conformance/checks/tshark_esp): a case's static SAs from its gateway.conf,
IP/ESP framing of captured frames, and decryption with Scapy's own ESP
(scapy.layers.ipsec.SecurityAssociation), written from PROTOCOL.md
section 1.
"""

import ipaddress
import os
import shlex
import struct
import sys

import pcapfile
import yangtext

ESP_PROTOCOL = 50
NEXT_HEADER_IPV4, NEXT_HEADER_IPV6 = 4, 41
ICV_SIZE = 16
# SPI, sequence, IV, the smallest padded trailer (pad length, next header:
# 4 bytes), ICV.
MINIMUM_ESP = 4 + 4 + 8 + 4 + ICV_SIZE


class CaseError(ValueError):
    pass


class Sa:
    __slots__ = ("direction", "spi", "queue", "route", "key", "salt")

    def __init__(self, direction, spi, queue, route, key, salt):
        self.direction, self.spi, self.queue, self.route = direction, spi, queue, route
        self.key, self.salt = key, salt

    def __repr__(self):  # never the key
        return "%s-sa spi %d queue %d" % (self.direction, self.spi, self.queue)


class Case:
    """What the ESP checks need to know about conformance/cases/NAME."""

    def __init__(self, name, directory):
        self.name, self.directory = name, directory
        path = os.path.join(directory, "gateway.conf")
        root = yangtext.parse_file(path)
        # Accept the statements at the top level or inside one wrapper.
        if not any(n in ("outbound-sa", "inbound-sa", "public-interface4", "public-interface6")
                   for n, _ in root.children):
            inner = [v for _, v in root.children if isinstance(v, yangtext.Node)]
            if len(inner) == 1:
                root = inner[0]
        self.data_plane = root.leaf("data-plane", "false").lower() == "true"
        self.tfc = root.leaf("tfc", "false").lower() == "true"
        self.family = 6 if root.all("public-interface6") else 4
        self.queue_of_address = {}  # public address (ipaddress object) -> queue
        for interface in root.containers("public-interface4") + root.containers("public-interface6"):
            address = interface.leaf("ip")
            if address:
                self.queue_of_address[ipaddress.ip_address(address)] = int(
                    interface.leaf("queue", "1"))
        self.outbound = [self._sa(path, "outbound", e) for e in root.containers("outbound-sa")]
        self.inbound = [self._sa(path, "inbound", e) for e in root.containers("inbound-sa")]
        self.options = []
        options_path = os.path.join(directory, "options")
        if os.path.exists(options_path):
            with open(options_path) as f:
                self.options = shlex.split(f.read())
        self.initial_seq = 1
        for index, word in enumerate(self.options):
            if word == "--initial-seq" and index + 1 < len(self.options):
                self.initial_seq = int(self.options[index + 1], 0)
            elif word.startswith("--initial-seq="):
                self.initial_seq = int(word.split("=", 1)[1], 0)

    @staticmethod
    def _sa(path, direction, entry):
        def hexbytes(field, size):
            text = entry.leaf(field) or ""
            digits = "".join(ch for ch in text if ch not in " :")
            try:
                value = bytes.fromhex(digits)
            except ValueError:
                value = b""
            if len(value) != size:
                raise CaseError("%s: %s-sa spi %s: %s is not %d hex bytes" %
                                (path, direction, entry.leaf("spi"), field, size))
            return value
        try:
            spi = int(entry.leaf("spi"))
        except (TypeError, ValueError):
            raise CaseError("%s: %s-sa without a numeric spi" % (path, direction)) from None
        return Sa(direction, spi, int(entry.leaf("queue", "1")), entry.leaf("route", ""),
                  hexbytes("key", 16), hexbytes("salt", 4))

    def has_static_sas(self):
        return self.data_plane and bool(self.outbound or self.inbound)

    def find_sa(self, sas, spi, local_address):
        """The SA with this SPI on the queue that owns local_address (the
        outer source of what we send, the destination of what we
        receive); None if there is none."""
        queue = self.queue_of_address.get(local_address)
        matching = [sa for sa in sas if sa.spi == spi]
        for sa in matching:
            if sa.queue == queue:
                return sa
        return matching[0] if len(matching) == 1 else None

    def input(self, side):
        """[pcapfile.Frame] of private-in / public-in ([] if absent)."""
        path = os.path.join(self.directory, side + ".pcap")
        return pcapfile.read(path) if os.path.exists(path) else []


class IpFrame:
    """An Ethernet frame carrying IPv4 or IPv6 (no VLAN tag, no IPv6
    extension headers: none of our outputs carry them)."""

    __slots__ = ("family", "src", "dst", "proto", "ip", "payload", "truncated", "fragment")

    @classmethod
    def parse(cls, frame):
        if len(frame) < 14:
            return None
        ethertype = struct.unpack_from(">H", frame, 12)[0]
        self = cls()
        if ethertype == 0x0800 and len(frame) >= 34 and frame[14] >> 4 == 4:
            header = (frame[14] & 0x0F) * 4
            total = struct.unpack_from(">H", frame, 16)[0]
            self.family, self.proto = 4, frame[23]
            self.src = ipaddress.IPv4Address(frame[26:30])
            self.dst = ipaddress.IPv4Address(frame[30:34])
            self.ip = frame[14:14 + total]
            self.payload = self.ip[header:]
            self.truncated = len(frame) < 14 + total
            self.fragment = struct.unpack_from(">H", frame, 20)[0] & 0x3FFF != 0
        elif ethertype == 0x86DD and len(frame) >= 54 and frame[14] >> 4 == 6:
            plen = struct.unpack_from(">H", frame, 18)[0]
            self.family, self.proto = 6, frame[20]
            self.src = ipaddress.IPv6Address(frame[22:38])
            self.dst = ipaddress.IPv6Address(frame[38:54])
            self.ip = frame[14:54 + plen]
            self.payload = self.ip[40:]
            self.truncated = len(frame) < 54 + plen
            self.fragment = self.proto == 44
        else:
            return None
        return self

    def malformed_esp(self):
        """Why this ESP packet cannot be an authentic one whatever the key
        (truncated frame, fragment, shorter than the smallest ESP packet),
        or None."""
        if self.truncated:
            return "frame shorter than its IP length"
        if self.fragment:
            return "IP fragment"
        if len(self.payload) < MINIMUM_ESP:
            return "ESP packet of %d bytes (at least %d)" % (len(self.payload), MINIMUM_ESP)
        return None

    def esp(self):
        """(spi, seq_lo, iv) if this is an ESP packet, else None."""
        if self.proto != ESP_PROTOCOL or len(self.payload) < 16:
            return None
        spi, seq_lo = struct.unpack_from(">II", self.payload, 0)
        return spi, seq_lo, self.payload[8:16]


def ipv4_checksum(header):
    total = 0
    for i in range(0, len(header), 2):
        total += (header[i] << 8) | (header[i + 1] if i + 1 < len(header) else 0)
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def forwarded(ip):
    """An IP packet as a router forwards it: TTL / hop limit minus 1 (IPv4
    checksum updated). None if it would not be forwarded (TTL <= 1)."""
    packet = bytearray(ip)
    if packet[0] >> 4 == 4:
        if packet[8] <= 1:
            return None
        header = (packet[0] & 0x0F) * 4
        packet[8] -= 1
        packet[10:12] = b"\0\0"
        packet[10:12] = struct.pack(">H", ipv4_checksum(packet[:header]))
    else:
        if packet[7] <= 1:
            return None
        packet[7] -= 1
    return bytes(packet)


def flow(ip):
    """(version, src, dst, protocol) of an IP packet's bytes."""
    if ip[0] >> 4 == 4:
        return 4, bytes(ip[12:16]), bytes(ip[16:20]), ip[9]
    return 6, bytes(ip[8:24]), bytes(ip[24:40]), ip[6]


def check_inner(inner, next_header, tfc):
    """Problems with a decrypted inner packet (a list of words; empty if it
    is a well-formed IPv4/IPv6 packet that matches next_header). With TFC
    the packet may be followed by padding."""
    if not inner:
        return ["empty inner packet"]
    version = inner[0] >> 4
    if version == 4:
        if next_header != NEXT_HEADER_IPV4:
            return ["inner IPv4 packet with next header %d" % next_header]
        if len(inner) < 20:
            return ["inner IPv4 packet of %d bytes" % len(inner)]
        header = (inner[0] & 0x0F) * 4
        total = struct.unpack_from(">H", inner, 2)[0]
        if header < 20 or header > len(inner):
            return ["inner IPv4 header length %d" % header]
        if total > len(inner) or (total != len(inner) and not tfc) or total < header:
            return ["inner IPv4 total length %d in %d bytes" % (total, len(inner))]
        if ipv4_checksum(inner[:header]) != 0:
            return ["inner IPv4 header checksum 0x%04x is wrong" %
                    struct.unpack_from(">H", inner, 10)[0]]
        return []
    if version == 6:
        if next_header != NEXT_HEADER_IPV6:
            return ["inner IPv6 packet with next header %d" % next_header]
        if len(inner) < 40:
            return ["inner IPv6 packet of %d bytes" % len(inner)]
        plen = struct.unpack_from(">H", inner, 4)[0]
        if 40 + plen > len(inner) or (40 + plen != len(inner) and not tfc):
            return ["inner IPv6 payload length %d in %d bytes" % (plen, len(inner))]
        return []
    return ["inner packet of IP version %d" % version]


def trim(inner):
    """The IP packet without TFC padding after it."""
    if inner and inner[0] >> 4 == 4 and len(inner) >= 4:
        return inner[:struct.unpack_from(">H", inner, 2)[0]]
    if inner and inner[0] >> 4 == 6 and len(inner) >= 6:
        return inner[:40 + struct.unpack_from(">H", inner, 4)[0]]
    return inner


def reconstruct_seq_hi(top, seq_lo, window=128):
    """RFC 4303 appendix A2: the high 32 bits of the sequence number of a
    received packet whose low 32 bits are seq_lo, given the highest
    authenticated sequence number so far (top)."""
    th, tl = top >> 32, top & 0xFFFFFFFF
    bottom = (tl - window + 1) & 0xFFFFFFFF
    if tl >= window - 1:  # case A: the window lies within one subspace
        return th + 1 if seq_lo < bottom else th
    return th - 1 if seq_lo >= bottom and th > 0 else th  # case B: spans two


_scapy = None


def scapy():
    global _scapy
    if _scapy is None:
        from scapy.layers.inet import IP
        from scapy.layers.inet6 import IPv6
        from scapy.layers.ipsec import ESP, SecurityAssociation
        _scapy = (IP, IPv6, ESP, SecurityAssociation)
    return _scapy


class ScapyEsp:
    """Scapy's SecurityAssociation for one of the case's SAs (one object per
    value of the high sequence bits)."""

    def __init__(self, sa):
        self.sa = sa
        self._by_hi = {}

    def association(self, seq_hi):
        association = self._by_hi.get(seq_hi)
        if association is None:
            IP, _, ESP, SecurityAssociation = scapy()
            association = SecurityAssociation(
                ESP, spi=self.sa.spi, crypt_algo="AES-GCM",
                crypt_key=self.sa.key + self.sa.salt, auth_algo="NULL",
                esn_en=True, esn=seq_hi, tunnel_header=IP())
            self._by_hi[seq_hi] = association
        return association

    def decrypt(self, ip_bytes, seq_hi):
        """(inner packet bytes, next header, padding bytes) of an outer IP
        packet carrying ESP, decrypted by Scapy's SecurityAssociation.
        Raises ValueError when Scapy cannot authenticate or decrypt it."""
        IP, IPv6, ESP, _ = scapy()
        association = self.association(seq_hi)
        outer = IP(ip_bytes) if ip_bytes[0] >> 4 == 4 else IPv6(ip_bytes)
        try:
            # The supported interface: tunnel mode, the inner packet back.
            inner = association.decrypt(outer.copy())
            # The same decryption one level down, for the trailer's fields.
            plain = association.crypt_algo.decrypt(
                association, outer[ESP], association.crypt_key, ICV_SIZE,
                esn_en=True, esn=seq_hi)
        except Exception as e:  # cryptography's InvalidTag and friends
            raise ValueError("Scapy cannot decrypt it (%s)" % (type(e).__name__,)) from None
        data = bytes(plain.data)
        if bytes(inner)[:len(data)] != data:
            raise ValueError("Scapy's two decryptions disagree")
        return data, plain.nh, self.padding(outer[ESP], seq_hi, plain.padlen)

    def padding(self, esp, seq_hi, pad_length):
        """The padding bytes. (Scapy 2.5's _ESPPlain.padding slices the
        plaintext after removing the padding: wrong. The plaintext is
        decrypted again here with python3-cryptography.)"""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        body = bytes(esp.data)
        aad = struct.pack(">III", esp.spi, seq_hi, esp.seq)
        plaintext = AESGCM(self.sa.key).decrypt(self.sa.salt + body[:8], body[8:], aad)
        return plaintext[len(plaintext) - 2 - pad_length:len(plaintext) - 2]


def results_and_cases(argv, description):
    """Parses `CHECK --gateway PATH --results DIR`; returns (args, [(name,
    results directory of the case, case input directory)])."""
    import argparse
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--gateway", required=True, help="the strait binary")
    parser.add_argument("--results", required=True,
                        help="directory holding each case's outputs as DIR/NAME/")
    parser.add_argument("--cases", default=os.environ.get("CONFORMANCE_CASES"),
                        help="case inputs (default: conformance/cases)")
    args = parser.parse_args(argv)
    cases_dir = args.cases or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[0]))), "cases")
    out = []
    for name in sorted(os.listdir(args.results)):
        result = os.path.join(args.results, name)
        case_dir = os.path.join(cases_dir, name)
        if os.path.isdir(result) and os.path.isfile(os.path.join(case_dir, "gateway.conf")):
            out.append((name, result, case_dir))
    return args, out
