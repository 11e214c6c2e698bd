"""Writes conformance cases (conformance/FORMAT.md) with identical bytes on
every run: fixed timestamps, no randomness, classic microsecond pcap.

Used by the pcaps/ scripts that build the cases' inputs. Debian's
/usr/bin/python3 with python3-scapy.
"""

import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(os.path.dirname(HERE), "conformance", "cases")

# Every case starts at this virtual time (2026-01-01T00:00:00Z); frames are
# given as (seconds after it, bytes).
EPOCH = 1767225600


def write_pcap(path, frames):
    """frames: list of (offset_seconds, bytes) in timestamp order. Classic
    pcap, microsecond timestamps, Ethernet, snaplen 65535."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for offset, frame in frames:
            frame = bytes(frame)
            usec_total = round((EPOCH + offset) * 1_000_000)
            f.write(struct.pack("<IIII", usec_total // 1_000_000, usec_total % 1_000_000,
                                len(frame), len(frame)))
            f.write(frame)


def write_case(name, config, private_in=None, public_in=None, options="", counters=(),
               description=""):
    """Writes conformance/cases/NAME/ (keeping its expected/ directory).

    private_in / public_in: lists of (offset_seconds, bytes), or None for no
    input. counters: lines of the counters file ("path value" or
    "frames OUTPUT N")."""
    directory = os.path.join(CASES, name)
    os.makedirs(directory, exist_ok=True)
    for leftover in ("private-in.pcap", "public-in.pcap"):
        path = os.path.join(directory, leftover)
        if os.path.exists(path):
            os.remove(path)
    with open(os.path.join(directory, "gateway.conf"), "w") as f:
        f.write(config)
    if private_in is not None:
        write_pcap(os.path.join(directory, "private-in.pcap"), private_in)
    if public_in is not None:
        write_pcap(os.path.join(directory, "public-in.pcap"), public_in)
    with open(os.path.join(directory, "options"), "w") as f:
        f.write(options.strip() + "\n")
    with open(os.path.join(directory, "description"), "w") as f:
        f.write(description.strip() + "\n")
    with open(os.path.join(directory, "counters"), "w") as f:
        for line in counters:
            f.write(line.rstrip() + "\n")
    return directory


def remove_case(name):
    shutil.rmtree(os.path.join(CASES, name), ignore_errors=True)
