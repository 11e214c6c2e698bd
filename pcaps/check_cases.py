#!/usr/bin/python3
"""Runs `strait replay` on the cases build_cases.py writes and checks their
hand-written `counters` files (and frame counts) against the gateway's final
state, without touching expected/ (conformance/run does the golden files).
Also runs every case twice and compares the outputs byte for byte.

    /usr/bin/python3 pcaps/check_cases.py [--gateway build/strait] [NAME-SUBSTRING ...]

Every ESP frame the gateway sent (public-out) is also decrypted with Scapy's
SecurityAssociation (the outbound SA's key and salt, the 64-bit sequence
number counted from --initial-seq), and its IV checked to be that sequence
number little-endian: the interoperability check of PROTOCOL.md section 1.

Prints one line per mismatch and a summary; exit status 1 if any.
"""

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import build_cases  # noqa: E402
from casekit import CASES  # noqa: E402


def count_frames(path):
    if not os.path.exists(path):
        return 0
    data = open(path, "rb").read()
    n, offset = 0, 24
    while offset + 16 <= len(data):
        caplen = int.from_bytes(data[offset + 8:offset + 12], "little")
        offset += 16 + caplen
        n += 1
    return n


def lookup(state, path):
    node = state
    for part in path.split("/"):
        m = re.match(r"^([^\[]+)((?:\[[^\]]+\])*)$", part)
        name, selectors = m.group(1), re.findall(r"\[([^=\]]+)=([^\]]+)\]", m.group(2))
        node = node.get(name) if isinstance(node, dict) else None
        if node is None:
            return None
        if selectors:
            entries = node if isinstance(node, list) else [node]
            found = [e for e in entries if all(str(e.get(k)) == v for k, v in selectors)]
            if len(found) != 1:
                return None
            node = found[0]
    return node


def decrypt_outputs(name, out, options):
    """Scapy decrypts every ESP frame of public-out.pcap; returns problems."""
    import struct
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.ipsec import ESP, SecurityAssociation
    from scapy.packet import raw
    from dataplane import sa_key
    path = os.path.join(out, "public-out.pcap")
    if not os.path.exists(path):
        return []
    data = open(path, "rb").read()
    words = shlex.split(options)
    seq0 = int(words[words.index("--initial-seq") + 1]) if "--initial-seq" in words else 1
    sent = {}
    problems = []
    offset = 24
    while offset + 16 <= len(data):
        caplen = int.from_bytes(data[offset + 8:offset + 12], "little")
        frame = data[offset + 16:offset + 16 + caplen]
        offset += 16 + caplen
        ethertype = int.from_bytes(frame[12:14], "big")
        if ethertype == 0x0800 and frame[14 + 9] == 50:
            packet, header = IP(frame[14:]), 20
        elif ethertype == 0x86DD and frame[14 + 6] == 50:
            packet, header = IPv6(frame[14:]), 40
        else:
            continue
        esp = frame[14 + header:]
        spi = int.from_bytes(esp[:4], "big")
        seq = seq0 + sent.get(spi, 0)
        sent[spi] = sent.get(spi, 0) + 1
        if esp[8:16] != struct.pack("<Q", seq):
            problems.append("%s: ESP spi %d: IV is not %d little-endian" % (name, spi, seq))
        key, salt = sa_key(spi)
        sa = SecurityAssociation(ESP, spi=spi, seq_num=seq & 0xFFFFFFFF, crypt_algo="AES-GCM",
                                 crypt_key=key + salt, auth_algo="NULL", esn_en=True,
                                 esn=seq >> 32)
        try:
            inner = sa.decrypt(packet)
            if raw(inner)[0] >> 4 not in (4, 6):
                raise ValueError("inner packet is not IP")
        except Exception as e:  # noqa: BLE001
            problems.append("%s: Scapy cannot decrypt ESP spi %d seq %d: %s" % (name, spi, seq, e))
    return problems


def run(gateway, directory, out):
    args = [gateway, "replay", "--config", os.path.join(directory, "gateway.conf"), "--out", out]
    for side in ("private", "public"):
        path = os.path.join(directory, side + "-in.pcap")
        if os.path.exists(path):
            args += ["--%s-in" % side, path]
    args += shlex.split(open(os.path.join(directory, "options")).read())
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def main(argv):
    gateway = os.path.join(REPO, "build", "strait")
    if "--gateway" in argv:
        i = argv.index("--gateway")
        gateway = argv[i + 1]
        del argv[i:i + 2]
    names = [c["name"] for _, c in build_cases.all_cases()]
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            directory = os.path.join(CASES, name)
            outs = [os.path.join(tmp, name, str(k)) for k in (1, 2)]
            results = [run(gateway, directory, o) for o in outs]
            if results[0].returncode != 0:
                print("%s: exit %d: %s" % (name, results[0].returncode,
                                           results[0].stderr.strip()))
                failures += 1
                continue
            for f in ("private-out.pcap", "public-out.pcap", "gateway-state"):
                a, b = (os.path.join(o, f) for o in outs)
                if os.path.exists(a) and open(a, "rb").read() != open(b, "rb").read():
                    print("%s: %s differs between two runs" % (name, f))
                    failures += 1
            for problem in decrypt_outputs(name, outs[0],
                                           open(os.path.join(directory, "options")).read()):
                print(problem)
                failures += 1
            state = json.load(open(os.path.join(outs[0], "gateway-state.json")))["gateway-state"]
            for line in open(os.path.join(directory, "counters")):
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                if line.startswith("frames "):
                    _, output, want = line.split()
                    got = count_frames(os.path.join(outs[0], output + ".pcap"))
                else:
                    path, want = line.rsplit(None, 1)
                    got = lookup(state, path)
                if str(got) != want:
                    print("%s: %s: expected %s, gateway %s" % (name, line.rsplit(None, 1)[0],
                                                              want, got))
                    failures += 1
    print("%d cases, %d mismatches" % (len(names), failures), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
