#!/usr/bin/python3
"""Writes the seed inputs of every fuzz target (README.md here) into a
directory, one subdirectory per target, from what the repository already
holds: the configurations of gateway/config/testdata, netns-lab and
sim/scenarios/configs, and the captures of conformance/cases (classic
pcap). `make fuzz-seeds` runs it and merges the seeds into fuzz/corpus
(libFuzzer -merge=1 keeps those that add coverage).

    fuzz/make_seeds.py OUT_DIR
"""

import hashlib
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "conformance", "cases")

# Record kinds and flags of gateway_driver.hpp and ske_session.hpp.
RAW, IP, ESP, UDP, ICMP, ARP, CLOCK = range(7)
HOLD, FIX, KEEP, CORRUPT = 0x10, 0x20, 0x40, 0x80
PEER_FIRST, PEER_SECOND, SKE_RAW, REPLAY, SKE_CLOCK, STRANGER, PEER_RESET, FRAME = range(8)
MAX_INPUT = 8192


def record(op, payload=b""):
    return struct.pack(">BH", op, len(payload)) + payload


def clock(ms, op=CLOCK):
    return record(op, struct.pack(">HB", min(ms, 0xFFFF), 0))


def write(out, target, data):
    directory = os.path.join(out, target)
    os.makedirs(directory, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def read_pcap(path):
    """(seconds, frame) of a classic little- or big-endian pcap (none if absent)."""
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        return []
    scale = 1e-9 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 1e-6
    frames, offset = [], 24
    while offset + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[offset:offset + 16])
        offset += 16
        frames.append((sec + frac * scale, data[offset:offset + caplen]))
        offset += caplen
    return frames


def config_text(case):
    with open(os.path.join(CASES, case, "gateway.conf")) as f:
        return f.read()


def frame_records(frames, kind=RAW, limit=MAX_INPUT):
    """Records for a capture's frames, with a clock step where time passes."""
    out, last = b"", None
    for time, frame in frames:
        if last is not None and time - last >= 0.001:
            out += clock(int((time - last) * 1000))
        last = time
        r = record(kind, frame)
        if len(out) + len(r) > limit:
            break
        out += r
    return out


def udp_payloads(frames, port=303):
    """UDP payloads to `port` of IPv4 / IPv6 frames."""
    out = []
    for _, f in frames:
        if len(f) < 14:
            continue
        ethertype = struct.unpack(">H", f[12:14])[0]
        ip = f[14:]
        if ethertype == 0x0800 and len(ip) >= 20 and ip[9] == 17:
            udp = ip[(ip[0] & 15) * 4:]
        elif ethertype == 0x86DD and len(ip) >= 40 and ip[6] == 17:
            udp = ip[40:]
        else:
            continue
        if len(udp) >= 8 and struct.unpack(">H", udp[2:4])[0] == port:
            out.append(udp[8:])
    return out


def turned_round(packet):
    """The packet with source and destination addresses swapped (the
    harness recomputes the checksums)."""
    if packet[0] >> 4 == 4 and len(packet) >= 20:
        return packet[:12] + packet[16:20] + packet[12:16] + packet[20:]
    if packet[0] >> 4 == 6 and len(packet) >= 40:
        return packet[:8] + packet[24:40] + packet[8:24] + packet[40:]
    return packet


def ip_packets(frames):
    return [f[14:] for _, f in frames if len(f) > 14 and f[12:14] in (b"\x08\x00", b"\x86\xdd")]


def config_seeds(out):
    sources = []
    for directory in ("gateway/config/testdata", "netns-lab", "sim/scenarios/configs"):
        path = os.path.join(ROOT, directory)
        sources += [os.path.join(path, n) for n in sorted(os.listdir(path)) if n.endswith(".conf")]
    sources += [os.path.join(CASES, c, "gateway.conf") for c in sorted(os.listdir(CASES))]
    for path in sources:
        with open(path, "rb") as f:
            write(out, "config_parser", f.read()[:16384])


def control_seeds(out):
    route = (b"route4 { id osaka; gateway { ip 203.0.113.9; } net \"10.3.0.0/16\";"
             b" preshared-key \"" + b"ab" * 32 + b"\"; spi 4321; }\n")
    requests = [
        b"get / 0\n", b"get / 0 secrets\n", b"get / 0 json\n", b"get /route4 0\n",
        b"get /route4[id=tokyo] 0 json\n", b"get /route4[id=tokyo]/gateway[queue=2]/ip 0\n",
        b"get /outbound-sa[spi=1001][queue=1] 0\n", b"get /mtu 0\n",
        b"get-state / 0\n", b"get-state /gateway-state/private-interface 0 json\n",
        b"get-state / 0 queue=1\n", b"get-state / 0 queue=2\n",
        b"set /mtu 4\n1400", b"set /mtu 4\n1234", b"set /tfc 4\ntrue",
        b"set /route4[id=tokyo]/spi 4\n2000",
        b"set /route4[id=tokyo] %d\n" % len(route[9:-3]) + route[9:-3],
        b"add /route4 %d\n" % len(route) + route,
        b"remove /route4[id=tokyo] 0\n", b"remove /outbound-sa[spi=1001][queue=2] 0\n",
        b"remove /mtu 0\n", b"set / 9\nmtu 1400;",
    ]
    for r in requests:
        write(out, "control_request", b"\x00" + r)
        write(out, "control_request", b"\x07" + r)


def pcap_seeds(out):
    paths = []
    for case in sorted(os.listdir(CASES)):
        for name in ("private-in.pcap", "public-in.pcap"):
            path = os.path.join(CASES, case, name)
            if os.path.exists(path) and os.path.getsize(path) <= 16384:
                paths.append(path)
    for path in paths:
        with open(path, "rb") as f:
            write(out, "pcap_reader", f.read())
    # The same captures as pcapng and with nanosecond timestamps (editcap,
    # when Wireshark's tools are installed).
    with tempfile.TemporaryDirectory() as tmp:
        for i, path in enumerate(paths[::8]):
            for option in (["-F", "pcapng"], ["--set-tsprec", "9"]):
                converted = os.path.join(tmp, "%d.out" % i)
                try:
                    subprocess.run(["editcap"] + option + [path, converted], check=True,
                                   capture_output=True)
                except (OSError, subprocess.CalledProcessError):
                    continue
                with open(converted, "rb") as f:
                    write(out, "pcap_reader", f.read()[:16384])


def input_seeds(out):
    for case in sorted(os.listdir(CASES)):
        text = config_text(case)
        ipv6 = "private-interface6" in text
        key_exchange = "data-plane false" in text
        selector = (2 if key_exchange else 0) + (1 if ipv6 else 0)
        private = read_pcap(os.path.join(CASES, case, "private-in.pcap"))
        public = read_pcap(os.path.join(CASES, case, "public-in.pcap"))
        if private:
            write(out, "private_input", bytes([selector]) + frame_records(private))
        if public and not case.startswith("ske-"):
            write(out, "public_input", bytes([selector]) + frame_records(public))
        # What the private side sends, turned round (the peer's host to
        # ours), as ESP the peer seals (next header 4 or 41, the next
        # sequence numbers): decapsulated and forwarded; and the same with
        # a flipped ICV.
        if private and not key_exchange:
            records, corrupt = b"", b""
            for i, packet in enumerate(ip_packets(private)[:16]):
                packet = turned_round(packet)
                next_header = 41 if packet[0] >> 4 == 6 else 4
                body = bytes([next_header]) + struct.pack(">Q", i + 1) + packet
                records += record(ESP, body)
                corrupt += record(ESP | CORRUPT, body)
            write(out, "public_input", bytes([selector]) + records)
            write(out, "public_input", bytes([selector]) + corrupt)
        # Key-exchange messages as datagrams from the peer.
        if case.startswith("ske-") and public:
            messages = udp_payloads(public)
            if messages:
                write(out, "public_input",
                      bytes([2 + (1 if ipv6 else 0)]) + b"".join(record(UDP, m) for m in messages))
                for target in ("ske_initiator", "ske_responder"):
                    write(out, target, bytes([1 if ipv6 else 0]) +
                          b"".join(record(SKE_RAW, m) for m in messages))


def handmade_seeds(out):
    # Whole exchanges, genuine then disturbed, each family, short lifetimes.
    for selector in range(4):
        genuine = record(PEER_FIRST) + record(PEER_SECOND)
        for target in ("ske_initiator", "ske_responder"):
            write(out, target, bytes([selector]) + genuine + clock(8000, SKE_CLOCK))
            write(out, target, bytes([selector]) + genuine + clock(12000, SKE_CLOCK) + genuine +
                  clock(30000, SKE_CLOCK) + genuine)
            write(out, target, bytes([selector]) + record(PEER_FIRST) +
                  record(PEER_SECOND, b"\x20\x01") + record(REPLAY, b"\x01") + genuine)
            write(out, target, bytes([selector]) + record(PEER_FIRST, b"\x05\x40") +
                  clock(6000, SKE_CLOCK) + genuine + record(PEER_RESET) + genuine)
    # Private: host datagrams through the tunnel, pings of the gateway,
    # ARP for its address, a packet too big, clock steps (ARP / ND retries).
    for selector in range(6):
        v6 = selector % 2 == 1
        records = record(UDP, b"hello" * 10) + record(UDP | HOLD, b"x" * 1500) + record(UDP)
        records += record(ICMP, bytes([128 if v6 else 8, 0]) + b"\x00\x01\x00\x01" + b"ping")
        records += record(ICMP | FIX, bytes([135 if v6 else 8, 0]) + b"\x00" * 4 + b"\x00" * 16)
        if not v6:
            records += record(ARP, bytes.fromhex("0001080006040001") + bytes.fromhex(
                "020000010002") + bytes([10, 1, 0, 2]) + b"\x00" * 6 + bytes([10, 1, 0, 1]))
        records += clock(1500) + clock(60000, CLOCK) + record(UDP, b"after")
        write(out, "private_input", bytes([selector]) + records)
        public = record(ICMP, bytes([128 if v6 else 8, 0]) + b"\x00\x02\x00\x01" + b"ping")
        public += record(UDP, bytes.fromhex("000004d20b000000") + b"\x00\x00\x00\x05")
        public += record(ESP | FIX, struct.pack(">Q", 5) + b"\x45" + b"\x00" * 30 + b"\x02\x04")
        public += record(ESP | CORRUPT, b"\x04" + struct.pack(">Q", 6) + b"\x45" + b"\x00" * 27)
        public += clock(2000)
        write(out, "public_input", bytes([selector]) + public)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    config_seeds(out)
    control_seeds(out)
    pcap_seeds(out)
    input_seeds(out)
    handmade_seeds(out)
    for target in sorted(os.listdir(out)):
        print("%-16s %4d seeds" % (target, len(os.listdir(os.path.join(out, target)))))


if __name__ == "__main__":
    main()
