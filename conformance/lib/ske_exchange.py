"""Key-exchange (vita-ske v5) side of the conformance cases: the topology,
frame builders, `strait replay` runs, and the multi-pass drivers that let
the independent Python peer (conformance/vita_ske.py) complete exchanges
with the gateway on its virtual clock.

Used by pcaps/build_ske_cases.py (recorded cases) and by
conformance/checks/ske_peer (the same exchanges, live). Debian's
/usr/bin/python3 with python3-scapy and python3-cryptography.

Multi-pass: `strait replay --seed N` is deterministic, and the gateway's
answer to a message depends only on what it received before. So the peer
runs the replay with its first message, reads the gateway's answer in
public-out.pcap, computes its next message, runs again with both, and so
on; the last pass's inputs are the case. Every pass checks that the
gateway's earlier answers came out byte for byte the same.
"""

import ipaddress
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.path.dirname(HERE)
ROOT = os.path.dirname(CONFORMANCE)
if CONFORMANCE not in sys.path:
    sys.path.insert(0, CONFORMANCE)

import vita_ske  # noqa: E402  (conformance/vita_ske.py)

# Every case starts at this virtual time (pcaps/casekit.py EPOCH).
EPOCH = 1767225600

KNOCK, CHALLENGE, PROPOSAL, AGREEMENT = 11, 12, 13, 14
TYPE_NAMES = {KNOCK: "knock", CHALLENGE: "challenge", PROPOSAL: "proposal",
              AGREEMENT: "agreement"}


class ExchangeFailure(Exception):
    """The gateway did not behave as the peer needs (no answer, a changed
    answer between passes, an SA that does not decrypt)."""


# --------------------------------------------------------------------------
# Topology


class Topology:
    """One gateway (queue 1) and one peer gateway behind the public next hop."""

    def __init__(self, family=4, route_spi=1001, psk=None, port=303):
        self.family = family
        self.route_spi = route_spi
        self.psk = psk if psk is not None else bytes(range(0x20, 0x40))
        self.port = port
        self.private_mac = "2a:bb:0a:01:00:01"
        self.private_nexthop_mac = "52:54:00:01:00:fe"
        self.public_mac = "3a:bb:c0:00:02:01"
        self.public_nexthop_mac = "52:54:00:02:00:fe"
        if family == 4:
            self.private_ip = "10.1.0.1"
            self.private_nexthop_ip = "10.1.0.254"
            self.public_ip = "192.0.2.1"
            self.public_nexthop_ip = "192.0.2.254"
            self.peer_ip = "198.51.100.2"
            self.stranger_ip = "198.51.100.99"
            self.net = "10.2.0.0/16"
            self.local_host = "10.1.0.5"   # behind the gateway
            self.remote_host = "10.2.0.5"  # behind the peer
        else:
            self.private_ip = "2001:db8:1::1"
            self.private_nexthop_ip = "2001:db8:1::fe"
            self.public_ip = "2001:db8:2::1"
            self.public_nexthop_ip = "2001:db8:2::fe"
            self.peer_ip = "2001:db8:3::2"
            self.stranger_ip = "2001:db8:3::99"
            self.net = "2001:db8:20::/48"
            self.local_host = "2001:db8:10::5"
            self.remote_host = "2001:db8:20::5"

    def config(self, extra=""):
        f = self.family
        return (
            "// vita-ske conformance: one queue, one route to a peer gateway\n"
            f"private-interface{f} {{\n"
            "  ifname priv0;\n"
            f"  mac {self.private_mac};\n"
            f"  ip {self.private_ip};\n"
            f"  nexthop-ip {self.private_nexthop_ip};\n"
            f"  nexthop-mac {self.private_nexthop_mac};\n"
            "}\n"
            f"public-interface{f} {{\n"
            "  ifname pub0;\n"
            f"  mac {self.public_mac};\n"
            f"  ip {self.public_ip};\n"
            f"  nexthop-ip {self.public_nexthop_ip};\n"
            f"  nexthop-mac {self.public_nexthop_mac};\n"
            "}\n"
            f"route{f} {{\n"
            "  id peer;\n"
            f"  gateway {{ ip {self.peer_ip}; }}\n"
            f"  net \"{self.net}\";\n"
            f"  preshared-key \"{self.psk.hex()}\";\n"
            f"  spi {self.route_spi};\n"
            "}\n"
            f"protocol-port {self.port};\n"
            "data-plane false;\n"
            + extra
        )

    def peer_route(self, psk=None):
        """The peer's view of the route (its identity = peer_ip, the
        gateway's address = public_ip)."""
        return vita_ske.Route(self.route_spi, psk if psk is not None else self.psk,
                              self.peer_ip, self.public_ip)


# --------------------------------------------------------------------------
# Frames


def _mac(text):
    return bytes.fromhex(text.replace(":", ""))


def _ones_sum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def _checksum(data):
    return (~_ones_sum(data)) & 0xFFFF


def _pad(frame):
    return frame + bytes(max(0, 60 - len(frame)))


def ip_packet(topo, src, dst, protocol, payload, ttl=64):
    """An IPv4 / IPv6 packet (bytes) around payload."""
    if topo.family == 4:
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, ttl,
                             protocol, 0, ipaddress.ip_address(src).packed,
                             ipaddress.ip_address(dst).packed)
        header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
        return header + payload
    header = struct.pack("!IHBB16s16s", 0x60000000, len(payload), protocol, ttl,
                         ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed)
    return header + payload


def _pseudo(topo, src, dst, protocol, length):
    s, d = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
    if topo.family == 4:
        return s + d + struct.pack("!BBH", 0, protocol, length)
    return s + d + struct.pack("!IxxxB", length, protocol)


def udp_datagram(topo, src, dst, sport, dport, payload, length_delta=0, bad_checksum=False):
    """UDP header + payload with a valid checksum; length_delta skews the
    UDP length field (the checksum is computed over the real bytes with the
    skewed length, as a careless sender would); bad_checksum corrupts it."""
    length = 8 + len(payload) + length_delta
    header = struct.pack("!HHHH", sport, dport, length, 0)
    total = _ones_sum(_pseudo(topo, src, dst, 17, length) + header + payload)
    csum = (~total) & 0xFFFF or 0xFFFF
    if bad_checksum:
        csum ^= 0x5A5A
    return struct.pack("!HHHH", sport, dport, length, csum) + payload


def ethernet(dst_mac, src_mac, family, payload):
    ethertype = 0x0800 if family == 4 else 0x86DD
    return _pad(_mac(dst_mac) + _mac(src_mac) + struct.pack("!H", ethertype) + payload)


def ske_frame(topo, payload, src=None, length_delta=0, bad_checksum=False, port=None):
    """A key-exchange message from the peer (or src) to the gateway, as it
    arrives on the public interface from the next hop."""
    src = src or topo.peer_ip
    port = port or topo.port
    udp = udp_datagram(topo, src, topo.public_ip, port, port, payload, length_delta,
                       bad_checksum)
    return ethernet(topo.public_mac, topo.public_nexthop_mac, topo.family,
                    ip_packet(topo, src, topo.public_ip, 17, udp))


def ping_frame(topo, ident=0x5ca1, seq=1):
    """An echo request from the public next hop to the gateway's public
    address: a harmless first frame that starts the virtual clock before
    the peer's messages (the gateway answers it)."""
    data = b"vita-ske clock start"
    if topo.family == 4:
        icmp = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
        icmp = icmp[:2] + struct.pack("!H", _checksum(icmp)) + icmp[4:]
        proto = 1
    else:
        icmp = struct.pack("!BBHHH", 128, 0, 0, ident, seq) + data
        csum = _checksum(_pseudo(topo, topo.public_nexthop_ip, topo.public_ip, 58, len(icmp))
                         + icmp)
        icmp = icmp[:2] + struct.pack("!H", csum) + icmp[4:]
        proto = 58
    return ethernet(topo.public_mac, topo.public_nexthop_mac, topo.family,
                    ip_packet(topo, topo.public_nexthop_ip, topo.public_ip, proto, icmp))


def inner_packet(topo, src, dst, data, ttl=64):
    udp = udp_datagram(topo, src, dst, 40000, 7, data)
    return ip_packet(topo, src, dst, 17, udp, ttl)


def esp_frame(topo, sa, seq, inner):
    """ESP from the peer to the gateway with the peer's outbound SA."""
    next_header = 4 if topo.family == 4 else 41
    esp = vita_ske.esp_encrypt(sa, seq, next_header, inner)
    return ethernet(topo.public_mac, topo.public_nexthop_mac, topo.family,
                    ip_packet(topo, topo.peer_ip, topo.public_ip, 50, esp))


def private_frame(topo, inner):
    """A packet from the private network to a host behind the peer."""
    return ethernet(topo.private_mac, topo.private_nexthop_mac, topo.family, inner)


# --------------------------------------------------------------------------
# Captures


def read_pcap(path):
    """[(seconds after EPOCH, frame bytes)] of a classic pcap; [] if absent."""
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        blob = f.read()
    magic = blob[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        order, scale = "<", 1e-6
    elif magic == b"\xa1\xb2\xc3\xd4":
        order, scale = ">", 1e-6
    elif magic == b"\x4d\x3c\xb2\xa1":
        order, scale = "<", 1e-9
    elif magic == b"\xa1\xb2\x3c\x4d":
        order, scale = ">", 1e-9
    else:
        raise ExchangeFailure(f"{path}: not a classic pcap")
    frames, offset = [], 24
    while offset + 16 <= len(blob):
        sec, frac, incl, _ = struct.unpack(order + "IIII", blob[offset:offset + 16])
        offset += 16
        frames.append((round(sec - EPOCH + frac * scale, 6), blob[offset:offset + incl]))
        offset += incl
    return frames


def parse_ip(family, frame):
    """(src, dst, protocol, ttl, payload) of an Ethernet/IP frame or None."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if family == 4 and ethertype == 0x0800 and len(ip) >= 20:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        return (str(ipaddress.ip_address(ip[12:16])), str(ipaddress.ip_address(ip[16:20])),
                ip[9], ip[8], ip[ihl:total])
    if family == 6 and ethertype == 0x86DD and len(ip) >= 40:
        length = struct.unpack("!H", ip[4:6])[0]
        return (str(ipaddress.ip_address(ip[8:24])), str(ipaddress.ip_address(ip[24:40])),
                ip[6], ip[7], ip[40:40 + length])
    return None


def ske_messages(topo, frames):
    """[(time, type, udp payload, frame)] of the key-exchange messages the
    gateway sent (UDP to the protocol port)."""
    out = []
    for time, frame in frames:
        parsed = parse_ip(topo.family, frame)
        if parsed is None or parsed[2] != 17 or len(parsed[4]) < 16:
            continue
        udp = parsed[4]
        if struct.unpack("!H", udp[2:4])[0] != topo.port:
            continue
        payload = udp[8:]
        out.append((time, payload[4], payload, frame))
    return out


def esp_packets(topo, frames):
    out = []
    for time, frame in frames:
        parsed = parse_ip(topo.family, frame)
        if parsed is not None and parsed[2] == 50:
            out.append((time, parsed))
    return out


# --------------------------------------------------------------------------
# strait replay


def default_gateway():
    return os.path.join(ROOT, "build", "strait")


def replay_available(gateway):
    """None if `GATEWAY replay --help` works, else the reason."""
    if not os.path.exists(gateway):
        return f"{gateway} does not exist"
    try:
        r = subprocess.run([gateway, "replay", "--help"], capture_output=True, text=True,
                           timeout=30)
    except OSError as e:
        return f"{gateway}: {e}"
    text = r.stdout + r.stderr
    if "unknown command" in text or "--config" not in text:
        return f"{gateway} has no 'replay' command yet"
    return None


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for offset, frame in frames:
            usec = round((EPOCH + offset) * 1_000_000)
            f.write(struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(frame),
                                len(frame)))
            f.write(frame)


def run_replay(gateway, workdir, config, private_in=None, public_in=None, options=""):
    """Runs one replay in workdir/pass-K; returns {'public': frames,
    'private': frames, 'state': text, 'dir': path}."""
    os.makedirs(workdir, exist_ok=True)
    k = len([d for d in os.listdir(workdir) if d.startswith("pass-")]) + 1
    directory = os.path.join(workdir, f"pass-{k}")
    os.makedirs(directory)
    conf = os.path.join(directory, "gateway.conf")
    with open(conf, "w") as f:
        f.write(config)
    argv = [gateway, "replay", "--config", conf]
    if private_in is not None:
        write_pcap(os.path.join(directory, "private-in.pcap"), private_in)
        argv += ["--private-in", os.path.join(directory, "private-in.pcap")]
    if public_in is not None:
        write_pcap(os.path.join(directory, "public-in.pcap"), public_in)
        argv += ["--public-in", os.path.join(directory, "public-in.pcap")]
    out = os.path.join(directory, "out")
    argv += ["--out", out] + options.split()
    r = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise ExchangeFailure(f"{' '.join(argv)} exited {r.returncode}: "
                              f"{(r.stderr or r.stdout).strip()[-400:]}")
    state = ""
    if os.path.exists(os.path.join(out, "gateway-state")):
        with open(os.path.join(out, "gateway-state")) as f:
            state = f.read()
    return {"public": read_pcap(os.path.join(out, "public-out.pcap")),
            "private": read_pcap(os.path.join(out, "private-out.pcap")),
            "state": state, "dir": directory}


def state_value(state, path):
    """Value of a/b/c in the gateway-state text (no list selectors), or None."""
    wanted = path.split("/")
    stack = []
    for line in state.splitlines():
        line = line.strip()
        if line.endswith("{"):
            stack.append(line[:-1].strip())
        elif line == "}":
            if stack:
                stack.pop()
        elif line.endswith(";"):
            name, _, value = line[:-1].partition(" ")
            if stack[1:] + [name] == wanted:
                return value.strip()
    return None


# --------------------------------------------------------------------------
# Deterministic peer secrets


def secret(label):
    """A fixed 32-byte secret per label (the peer's ephemeral keys, nonce)."""
    return vita_ske.blake2s(b"strait vita-ske conformance: " + label.encode())


class Recorder:
    """The peer's inputs and the gateway's outputs across passes."""

    def __init__(self, gateway, workdir, topo, options, config=None):
        self.gateway = gateway
        self.workdir = workdir
        self.topo = topo
        self.options = options
        self.config = config or topo.config()
        self.public_in = []
        self.private_in = []
        self.seen = []  # the gateway's messages in the previous pass
        self.previous_inputs = None

    def send(self, time, frame):
        self.public_in.append((time, frame))
        self.public_in.sort(key=lambda x: x[0])

    def send_private(self, time, frame):
        self.private_in.append((time, frame))
        self.private_in.sort(key=lambda x: x[0])

    def run(self):
        result = run_replay(self.gateway, self.workdir, self.config,
                            self.private_in or None, self.public_in or None, self.options)
        messages = ske_messages(self.topo, result["public"])
        # Determinism: what the gateway sent before the first input that is
        # new in this pass comes out byte for byte as in the previous pass.
        inputs = self.public_in + self.private_in
        if self.previous_inputs is not None:
            new = [t for t, f in inputs if (t, f) not in self.previous_inputs]
            cutoff = min(new) if new else float("inf")
            before = [m[2] for m in self.seen if m[0] < cutoff - 1e-9]
            now = [m[2] for m in messages if m[0] < cutoff - 1e-9]
            if before != now:
                raise ExchangeFailure(
                    "the gateway's messages before +%gs changed between passes "
                    "(strait replay not deterministic?)" % cutoff)
        self.previous_inputs = list(inputs)
        self.seen = messages
        result["messages"] = messages
        return result

    def answer(self, result, message_type, after=None):
        """The first gateway message of the type (sent at or after `after`)."""
        for time, mtype, payload, _ in result["messages"]:
            if mtype == message_type and (after is None or time >= after - 1e-9):
                return time, payload
        raise ExchangeFailure(f"the gateway sent no {TYPE_NAMES[message_type]}"
                              + (f" at or after +{after}s" if after is not None else "")
                              + f" (state: {compact_state(result['state'])})")


def compact_state(state):
    keys = ["protocol-errors", "route-errors", "version-errors", "parameter-errors",
            "authentication-errors", "public-key-errors", "negotiations-initiated",
            "challenges-offered", "challenges-accepted", "keypairs-offered",
            "keypairs-negotiated"]
    parts = [f"{k}={state_value(state, 'key-manager/' + k)}" for k in keys]
    return " ".join(parts)


# --------------------------------------------------------------------------
# Complete exchanges


class Exchange:
    """The outcome of a complete exchange: the final inputs, the SAs the peer
    derived, and the checks of ESP both ways."""

    def __init__(self):
        self.public_in = []
        self.private_in = []
        self.peer_sas = None
        self.gateway_rx_spi = None  # the SPI the gateway chose (its inbound)
        self.result = None
        self.notes = []


def peer_rx_spi(topo, role):
    return {("responder", 4): 0x1000A, ("initiator", 4): 0x2000B,
            ("responder", 6): 0x3000C, ("initiator", 6): 0x4000D}[(role, topo.family)]


def verify_esp(topo, result, peer_sas, esp_in_time, private_in_time, exchange):
    """The gateway decapsulated the peer's ESP onto private-out, and its own
    ESP (from the private packet) decrypts with the peer's inbound SA."""
    # Peer -> gateway: the inner packet must leave on the private side, the
    # TTL / hop limit decremented once.
    delivered = [parse_ip(topo.family, f) for t, f in result["private"]
                 if abs(t - esp_in_time) < 1e-6]
    want = b"peer to gateway through the negotiated SA"
    ok = [p for p in delivered if p and p[0] == topo.remote_host and p[1] == topo.local_host
          and p[4][8:] == want]
    if not ok:
        raise ExchangeFailure("the peer's ESP was not decapsulated onto private-out "
                              f"(private-out holds {len(result['private'])} frames; "
                              f"state: {compact_state(result['state'])})")
    if ok[0][3] != 63:
        raise ExchangeFailure(f"decapsulated inner TTL/hop limit {ok[0][3]}, expected 63")
    # Gateway -> peer.
    esp = [p for t, p in esp_packets(topo, result["public"]) if abs(t - private_in_time) < 1e-6]
    if not esp:
        raise ExchangeFailure("the gateway sent no ESP for the private packet "
                              f"(state: {compact_state(result['state'])})")
    src, dst, _, ttl, payload = esp[0]
    if src != topo.public_ip or dst != topo.peer_ip or ttl != 64:
        raise ExchangeFailure(f"gateway ESP outer header {src} -> {dst} ttl {ttl}")
    spi, seq_lo = struct.unpack("!II", payload[:8])
    if spi != peer_sas.inbound.spi:
        raise ExchangeFailure(f"gateway ESP carries SPI {spi}, the peer's inbound SPI is "
                              f"{peer_sas.inbound.spi}")
    try:
        inner, next_header = vita_ske.esp_decrypt(peer_sas.inbound, 0, payload)
    except vita_ske.ExchangeError as e:
        raise ExchangeFailure(f"the gateway's ESP does not decrypt with the peer's SA: {e}")
    parsed = parse_ip(topo.family, b"\0" * 12 + (b"\x08\x00" if topo.family == 4
                                                 else b"\x86\xdd") + inner)
    want = b"gateway to peer through the negotiated SA"
    if (parsed is None or parsed[0] != topo.local_host or parsed[1] != topo.remote_host
            or parsed[4][8:] != want or next_header != (4 if topo.family == 4 else 41)):
        raise ExchangeFailure("the gateway's ESP decrypts to the wrong inner packet")
    exchange.notes.append(f"gateway ESP spi {spi} seq {seq_lo} decrypted by the peer; "
                          f"peer ESP spi {peer_sas.outbound.spi} decapsulated to private-out")


def add_traffic(topo, rec, peer_sas, esp_time, private_time):
    rec.send(esp_time, esp_frame(topo, peer_sas.outbound, 1,
                                 inner_packet(topo, topo.remote_host, topo.local_host,
                                              b"peer to gateway through the negotiated SA")))
    rec.send_private(private_time, private_frame(
        topo, inner_packet(topo, topo.local_host, topo.remote_host,
                           b"gateway to peer through the negotiated SA")))


def gateway_responder(topo, gateway, workdir, options="--seed 1 --until 3", traffic=True,
                      start=0.0, extra_inputs=()):
    """The peer initiates (knock at +start, proposal at +start+0.5), the
    gateway responds. With traffic: the peer's ESP at +start+1.0 and a
    private packet at +start+1.5. extra_inputs: (time, frame) sent too
    (known before the run). Returns an Exchange."""
    ex = Exchange()
    rec = Recorder(gateway, workdir, topo, options)
    for t, f in extra_inputs:
        rec.send(t, f)
    initiator = vita_ske.Initiator(topo.peer_route(), peer_rx_spi(topo, "responder"),
                                   ephemeral=lambda: secret(f"initiator e v{topo.family}"))
    rec.send(start, ske_frame(topo, initiator.knock()))
    result = rec.run()                                   # pass 1: knock
    t, challenge = rec.answer(result, CHALLENGE, start)
    proposal = initiator.receive(challenge)
    rec.send(start + 0.5, ske_frame(topo, proposal))
    result = rec.run()                                   # pass 2: proposal
    t, agreement = rec.answer(result, AGREEMENT, start + 0.5)
    sas = initiator.receive(agreement)
    ex.peer_sas = sas
    ex.gateway_rx_spi = sas.outbound.spi
    if traffic:
        add_traffic(topo, rec, sas, start + 1.0, start + 1.5)
        result = rec.run()                               # pass 3: ESP both ways
        verify_esp(topo, result, sas, start + 1.0, start + 1.5, ex)
    ex.public_in, ex.private_in, ex.result = rec.public_in, rec.private_in, result
    ex.proposal = proposal
    return ex


def gateway_initiator(topo, gateway, workdir, options="--seed 1 --until 3", traffic=True,
                      challenge_at=0.5, config=None):
    """The gateway initiates (it knocks when the clock starts: the ping at
    +0 starts it); the peer responds: challenge at +challenge_at, agreement
    0.5 s later, then (traffic) the peer's ESP after another 0.5 s and a
    private packet 0.5 s after that."""
    ex = Exchange()
    rec = Recorder(gateway, workdir, topo, options, config)
    rec.send(0.0, ping_frame(topo))
    responder = vita_ske.Responder(topo.peer_route(), peer_rx_spi(topo, "initiator"),
                                   ephemeral=lambda: secret(f"responder e v{topo.family}"),
                                   nonce=lambda: secret(f"responder nonce v{topo.family}"))
    result = rec.run()                                   # pass 1: the gateway knocks
    t, knock = rec.answer(result, KNOCK)  # every knock is the same message
    challenge = responder.receive(knock)
    rec.send(challenge_at, ske_frame(topo, challenge))
    result = rec.run()                                   # pass 2: challenge
    t, proposal = rec.answer(result, PROPOSAL, challenge_at)
    agreement, sas = responder.receive(proposal)
    rec.send(challenge_at + 0.5, ske_frame(topo, agreement))
    ex.peer_sas = sas
    ex.gateway_rx_spi = sas.outbound.spi
    ex.agreement = agreement
    result = rec.run()                                   # pass 3: agreement
    if traffic:
        add_traffic(topo, rec, sas, challenge_at + 1.0, challenge_at + 1.5)
        result = rec.run()                               # pass 4: ESP both ways
        verify_esp(topo, result, sas, challenge_at + 1.0, challenge_at + 1.5, ex)
    ex.public_in, ex.private_in, ex.result = rec.public_in, rec.private_in, result
    return ex


def temp_workdir(prefix="ske-"):
    return tempfile.mkdtemp(prefix=prefix)


def remove(path):
    shutil.rmtree(path, ignore_errors=True)
