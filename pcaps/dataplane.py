"""The sample site of the data-plane conformance cases: addresses, static
SAs with fixed keys, the gateway.conf text, and frame builders (Scapy) for
both sides of the gateway, including ESP encrypted by Scapy's own
SecurityAssociation (the interoperability check of PROTOCOL.md section 1).

Everything here is deterministic: no random field is left to Scapy.
Debian's /usr/bin/python3 (python3-scapy, python3-cryptography).
"""

import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.all import conf as scapy_conf
from scapy.layers.inet import IP, ICMP, UDP, TCP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.layers.l2 import Ether
from scapy.packet import Raw, raw

scapy_conf.verb = 0

V4, V6 = 4, 6

# The site ("paris") the gateway under test serves. [V4] / [V6] text.
PRIVATE_IP = {V4: "10.1.0.1", V6: "2001:db8:1::1"}
PRIVATE_MAC = "02:00:00:01:00:01"
PRIVATE_NEXTHOP_IP = {V4: "10.1.0.2", V6: "2001:db8:1::2"}
PRIVATE_NEXTHOP_MAC = "02:00:00:01:00:02"
PRIVATE_NET = {V4: "10.1.0.0/16", V6: "2001:db8:1::/48"}
HOST = {V4: "10.1.7.9", V6: "2001:db8:1:7::9"}  # a host on the private side
PUBLIC_IP = {1: {V4: "192.0.2.1", V6: "2001:db8:100::1"},
             2: {V4: "192.0.2.2", V6: "2001:db8:100::2"}}
PUBLIC_MAC = {1: "02:00:00:01:01:01", 2: "02:00:00:01:02:01"}
PUBLIC_NEXTHOP_IP = {V4: "192.0.2.254", V6: "2001:db8:100::fe"}
PUBLIC_NEXTHOP_MAC = "02:00:00:01:01:fe"
# A station on either segment that is neither the gateway nor the next hop.
OTHER_MAC = "02:00:00:01:00:99"

# Remote sites behind the tunnel: route id -> per family net, a host, the
# peer gateway address per queue, and the static SAs per queue.
ROUTES = {
    "tokyo": {
        "net": {V4: "10.2.0.0/16", V6: "2001:db8:2::/48"},
        "host": {V4: "10.2.5.3", V6: "2001:db8:2:5::3"},
        "gateway": {1: {V4: "198.51.100.1", V6: "2001:db8:200::1"},
                    2: {V4: "198.51.100.2", V6: "2001:db8:200::2"}},
        "outbound_spi": {1: 1001, 2: 1002},
        "inbound_spi": {1: 2001, 2: 2002},
        "route_spi": 1234,
    },
    "osaka": {
        "net": {V4: "10.3.0.0/16", V6: "2001:db8:3::/48"},
        "host": {V4: "10.3.8.4", V6: "2001:db8:3:8::4"},
        "gateway": {1: {V4: "198.51.100.11", V6: "2001:db8:300::1"},
                    2: {V4: "198.51.100.12", V6: "2001:db8:300::2"}},
        "outbound_spi": {1: 1101, 2: 1102},
        "inbound_spi": {1: 2101, 2: 2102},
        "route_spi": 1235,
    },
    # A more specific prefix inside tokyo's net (longest-prefix match).
    "kyoto": {
        "net": {V4: "10.2.3.0/24", V6: "2001:db8:2:3::/64"},
        "host": {V4: "10.2.3.7", V6: "2001:db8:2:3::7"},
        "gateway": {1: {V4: "198.51.100.21", V6: "2001:db8:400::1"},
                    2: {V4: "198.51.100.22", V6: "2001:db8:400::2"}},
        "outbound_spi": {1: 1201, 2: 1202},
        "inbound_spi": {1: 2201, 2: 2202},
        "route_spi": 1236,
    },
}


def sa_key(spi):
    """Fixed key and salt of the static SA `spi`: (key16, salt4)."""
    seed = spi & 0xFF
    key = bytes((seed + 11 * i + (spi >> 8)) & 0xFF for i in range(16))
    salt = bytes((0xA0 + seed + i) & 0xFF for i in range(4))
    return key, salt


def config(family=V4, queues=1, routes=("tokyo",), mtu=1440, tfc=False,
           private_nexthop_mac=True, public_nexthop_mac=True, comment=""):
    """gateway.conf text of a data-plane gateway (static SAs, fixed keys)."""
    f = "4" if family == V4 else "6"
    t = ""
    if comment:
        t += "".join("// %s\n" % line for line in comment.splitlines())
    t += "private-interface%s {\n  ifname lan0;\n  ip %s;\n  mac %s;\n  nexthop-ip %s;\n" % (
        f, PRIVATE_IP[family], PRIVATE_MAC, PRIVATE_NEXTHOP_IP[family])
    if private_nexthop_mac:
        t += "  nexthop-mac %s;\n" % PRIVATE_NEXTHOP_MAC
    t += "}\n"
    for q in range(1, queues + 1):
        t += "public-interface%s {\n  ifname wan%d;\n  queue %d;\n  ip %s;\n  mac %s;\n" \
             "  nexthop-ip %s;\n" % (f, q - 1, q, PUBLIC_IP[q][family], PUBLIC_MAC[q],
                                     PUBLIC_NEXTHOP_IP[family])
        if public_nexthop_mac:
            t += "  nexthop-mac %s;\n" % PUBLIC_NEXTHOP_MAC
        t += "}\n"
    for r in routes:
        route = ROUTES[r]
        t += "route%s {\n  id %s;\n" % (f, r)
        for q in range(1, queues + 1):
            t += "  gateway { queue %d; ip %s; }\n" % (q, route["gateway"][q][family])
        psk = bytes((route["route_spi"] + i) & 0xFF for i in range(32)).hex()
        t += '  net "%s";\n  preshared-key "%s";\n  spi %d;\n}\n' % (
            route["net"][family], psk, route["route_spi"])
    t += "mtu %d;\ntfc %s;\ndata-plane true;\n" % (mtu, "true" if tfc else "false")
    for r in routes:
        route = ROUTES[r]
        for q in range(1, queues + 1):
            for kind, spi in (("outbound-sa", route["outbound_spi"][q]),
                              ("inbound-sa", route["inbound_spi"][q])):
                key, salt = sa_key(spi)
                t += '%s { route %s; spi %d; aead aes-gcm-16-icv; key "%s"; salt "%s"; ' \
                     'queue %d; }\n' % (kind, r, spi, key.hex(), salt.hex(), q)
    return t


def private_queue(src, dst, queues):
    """FORMAT.md's rule: the queue (1-based) a private input frame goes to."""
    import ipaddress
    x = 0
    for b in ipaddress.ip_address(src).packed + ipaddress.ip_address(dst).packed:
        x ^= b
    return x % queues + 1


# --- inner packets -------------------------------------------------------

def ip_header(family, src, dst, ttl=64, **kw):
    if family == V4:
        return IP(src=src, dst=dst, ttl=ttl, id=kw.pop("id", 0x100), **kw)
    return IPv6(src=src, dst=dst, hlim=ttl, **kw)


def payload(size, seed=0):
    return bytes((seed + i) & 0xFF for i in range(size))


def udp_packet(family, src, dst, size=None, ttl=64, sport=4000, dport=5000, seed=0, **kw):
    """An IP/UDP packet; `size`: the whole IP packet's length in bytes."""
    header = 20 if family == V4 else 40
    data = payload((size or 100) - header - 8, seed)
    return raw(ip_header(family, src, dst, ttl, **kw) / UDP(sport=sport, dport=dport) / Raw(data))


def tcp_packet(family, src, dst, ttl=64, dport=22):
    return raw(ip_header(family, src, dst, ttl) / TCP(sport=40000, dport=dport, flags="S",
                                                      seq=1000, window=8192))


def echo_request(family, src, dst, ident=0x77, seq=1, size=56, ttl=64):
    if family == V4:
        return raw(ip_header(V4, src, dst, ttl) / ICMP(type=8, id=ident, seq=seq) /
                   Raw(payload(size)))
    from scapy.layers.inet6 import ICMPv6EchoRequest
    return raw(ip_header(V6, src, dst, ttl) / ICMPv6EchoRequest(id=ident, seq=seq,
                                                                data=payload(size)))


def icmp_message(family, src, dst, icmp_type, code, quoted=b"", rest=0, bad_checksum=False):
    """An ICMP / ICMPv6 message of any type and code, quoting `quoted`."""
    if family == V4:
        body = struct.pack("!BBHI", icmp_type, code, 0, rest) + quoted
        packet = raw(IP(src=src, dst=dst, ttl=64, id=0x100, proto=1) / Raw(body))
        checksum = _inet_checksum(body)
        out = bytearray(packet)
        struct.pack_into("!H", out, 20 + 2, checksum ^ (0x5555 if bad_checksum else 0))
        return bytes(out)
    body = struct.pack("!BBHI", icmp_type, code, 0, rest) + quoted
    packet = bytearray(raw(IPv6(src=src, dst=dst, hlim=64, nh=58) / Raw(body)))
    import ipaddress
    pseudo = (ipaddress.ip_address(src).packed + ipaddress.ip_address(dst).packed +
              struct.pack("!IxxxB", len(body), 58))
    checksum = _inet_checksum(pseudo + body)
    struct.pack_into("!H", packet, 40 + 2, checksum ^ (0x5555 if bad_checksum else 0))
    return bytes(packet)


def _inet_checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4_fix_checksum(packet):
    out = bytearray(packet)
    ihl = (out[0] & 0x0F) * 4
    out[10:12] = b"\0\0"
    out[10:12] = struct.pack("!H", _inet_checksum(bytes(out[:ihl])))
    return bytes(out)


# --- frames --------------------------------------------------------------

def ethertype_of(family):
    return 0x0800 if family == V4 else 0x86DD


def to_private(packet, family=V4, src=PRIVATE_NEXTHOP_MAC, dst=PRIVATE_MAC):
    """A frame the gateway receives on its private interface."""
    return raw(Ether(src=src, dst=dst, type=ethertype_of(family)) / Raw(packet))


def to_public(packet, family=V4, queue=1, src=PUBLIC_NEXTHOP_MAC, dst=None):
    """A frame the gateway receives on the public interface of `queue`."""
    return raw(Ether(src=src, dst=dst or PUBLIC_MAC[queue], type=ethertype_of(family)) /
               Raw(packet))


# --- ESP -----------------------------------------------------------------

def scapy_esp(family, inner, spi, seq, src, dst):
    """outer IP | ESP of `inner`, encrypted by Scapy's SecurityAssociation
    with the static SA `spi`, 64-bit sequence number `seq`, IV = seq
    little-endian (as Vita sends)."""
    key, salt = sa_key(spi)
    tunnel = IP(src=src, dst=dst, ttl=64, id=0) if family == V4 else IPv6(src=src, dst=dst,
                                                                            hlim=64)
    sa = SecurityAssociation(ESP, spi=spi, seq_num=seq & 0xFFFFFFFF, crypt_algo="AES-GCM",
                             crypt_key=key + salt, auth_algo="NULL", esn_en=True,
                             esn=seq >> 32, tunnel_header=tunnel)
    inner_packet = IP(inner) if inner[0] >> 4 == 4 else IPv6(inner)
    assert raw(inner_packet) == inner, "the inner packet must survive Scapy's dissection"
    encrypted = sa.encrypt(inner_packet, seq_num=seq & 0xFFFFFFFF,
                           iv=struct.pack("<Q", seq), esn_en=True, esn=seq >> 32)
    packet = raw(encrypted)
    # Cross-check with our own AES-GCM (the same bytes, independently built).
    header = 20 if family == V4 else 40
    own = esp_payload(spi, seq, esp_plaintext(inner, 4 if inner[0] >> 4 == 4 else 41), key, salt)
    assert packet[header:] == own, "Scapy and cryptography disagree on ESP"
    return packet


def esp_plaintext(inner, next_header, pad_length=None, pad_bytes=None):
    """inner | padding | pad_length | next_header, RFC 4303 default padding
    unless given."""
    if pad_length is None:
        pad_length = (-(len(inner) + 2)) % 4
    if pad_bytes is None:
        pad_bytes = bytes(range(1, pad_length + 1))
    return inner + pad_bytes + bytes([pad_length & 0xFF, next_header])


def esp_payload(spi, seq, plaintext, key=None, salt=None, iv=None):
    """SPI | seq_lo | IV | AES-128-GCM(plaintext) | ICV (cryptography), for
    hand-made plaintexts (bad padding, bad next header)."""
    if key is None:
        key, salt = sa_key(spi)
    iv = struct.pack("<Q", seq) if iv is None else iv
    aad = struct.pack("!III", spi, seq >> 32, seq & 0xFFFFFFFF)
    sealed = AESGCM(key).encrypt(salt + iv, plaintext, aad)
    return struct.pack("!II", spi, seq & 0xFFFFFFFF) + iv + sealed


def outer(family, esp, src, dst, ttl=64):
    """outer IP header (protocol 50) around an ESP payload."""
    if family == V4:
        return raw(IP(src=src, dst=dst, ttl=ttl, id=0, proto=50) / Raw(esp))
    return raw(IPv6(src=src, dst=dst, hlim=ttl, nh=50) / Raw(esp))


def esp_frame(family, inner, seq=1, route="tokyo", queue=1, spi=None):
    """A frame from the peer gateway of `route` on `queue`: Scapy-encrypted
    ESP of `inner` to this gateway's public address."""
    r = ROUTES[route]
    spi = r["inbound_spi"][queue] if spi is None else spi
    packet = scapy_esp(family, inner, spi, seq, r["gateway"][queue][family],
                       PUBLIC_IP[queue][family])
    return to_public(packet, family, queue)


def raw_esp_frame(family, esp, route="tokyo", queue=1):
    """A frame carrying a hand-made ESP payload from the peer of `route`."""
    r = ROUTES[route]
    return to_public(outer(family, esp, r["gateway"][queue][family], PUBLIC_IP[queue][family]),
                     family, queue)


def remote_host(family, route="tokyo"):
    return ROUTES[route]["host"][family]


def inbound_sa(route="tokyo", queue=1):
    return "inbound-sa[spi=%d][queue=%d]" % (ROUTES[route]["inbound_spi"][queue], queue)


def fam(family):
    return "ipv4" if family == V4 else "ipv6"
