#!/usr/bin/python3
"""Searches the memory of a running process for key material.

  key_scan.py PID NAME=HEX [NAME=HEX ...]         scan, exit 1 if a key is found
  key_scan.py --probe PID                           exit 77 if PID's memory cannot be read

Every readable mapping of /proc/PID/maps is read through /proc/PID/mem and
searched, except the mappings the kernel marks locked (VmFlags `lo` in
/proc/PID/smaps: mlock'd, as libsodium's secure memory and the gateway's
locked slabs are). Each key (hex digits, as in the configuration) is looked
for in binary, as hex text in lower and upper case, compact and with a
space between byte pairs, and, to catch partial copies (a string that grew
leaves its earlier, shorter buffers behind), the first and the last 8 bytes
of the binary form and the first and last 16 digits of each text form when
the key is longer than that. A NAME ending in `!` names a key that must
also be found inside the locked mappings (the gateway holds it there): a
check that the scan sees what it looks for. A NAME ending in `~` names a
key that must be found nowhere, locked or not (replaced, so wiped).
`NAME=text:HEX` searches the text forms alone (a 4-byte salt in binary
matches somewhere by chance). Prints one line per key; exit status 0 when
every check holds, 1 otherwise, 77 when the memory cannot be read.
"""
import re
import sys

CHUNK = 8 << 20


def mappings(pid):
    """(start, end, perms, name, locked) for every mapping of PID."""
    out = []
    current = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
            if m:
                current = [int(m.group(1), 16), int(m.group(2), 16), m.group(3),
                           m.group(4).strip(), False]
                out.append(current)
            elif line.startswith("VmFlags:") and current is not None:
                current[4] = "lo" in line.split()[1:]
    return [tuple(m) for m in out]


def patterns(hex_text, text_only):
    raw = bytes.fromhex(hex_text)
    lower = raw.hex().encode()
    spaced = " ".join(f"{b:02x}" for b in raw).encode()
    forms = set() if text_only else {("binary", raw)}
    for label, text in (("hex", lower), ("hex-upper", lower.upper()),
                        ("spaced-hex", spaced), ("spaced-hex-upper", spaced.upper())):
        forms.add((label, text))
        if len(text) > 16:
            forms.add((label + "-head", text[:16]))
            forms.add((label + "-tail", text[-16:]))
    if len(raw) > 8 and not text_only:
        forms.add(("binary-head", raw[:8]))
        forms.add(("binary-tail", raw[-8:]))
    return sorted(forms)


def read_region(mem, start, end, overlap):
    """Yields (address, bytes) chunks of [start, end), overlapping by `overlap`."""
    address = start
    while address < end:
        size = min(CHUNK, end - address)
        try:
            mem.seek(address)
            data = mem.read(size)
        except OSError:
            return
        if not data:
            return
        yield address, data
        if address + len(data) >= end:
            return
        address += max(len(data) - overlap, 1)


def probe(pid):
    try:
        with open(f"/proc/{pid}/mem", "rb") as mem:
            for start, end, perms, name, _ in mappings(pid):
                if perms.startswith("r") and name == "[stack]":
                    mem.seek(end - 4096)
                    return len(mem.read(4096)) == 4096
            return False
    except OSError:
        return False


def main(argv):
    if len(argv) == 3 and argv[1] == "--probe":
        sys.exit(0 if probe(int(argv[2])) else 77)
    if len(argv) < 3:
        sys.exit(__doc__)
    pid = int(argv[1])
    keys = []
    for arg in argv[2:]:
        name, hex_text = arg.split("=", 1)
        mode = name[-1] if name[-1] in "!~" else ""
        text_only = hex_text.startswith("text:")
        keys.append((name.rstrip("!~"), patterns(hex_text.removeprefix("text:"), text_only), mode))
    overlap = max(len(p) for _, forms, _ in keys for _, p in forms)
    outside = {name: [] for name, _, _ in keys}
    inside = {name: [] for name, _, _ in keys}
    scanned = locked_bytes = 0
    unreadable = []
    with open(f"/proc/{pid}/mem", "rb") as mem:
        for start, end, perms, name, locked in mappings(pid):
            if not perms.startswith("r"):
                continue
            read_any = False
            for address, data in read_region(mem, start, end, overlap):
                read_any = True
                if locked:
                    locked_bytes += len(data)
                else:
                    scanned += len(data)
                for key, forms, _ in keys:
                    for label, pattern in forms:
                        at = data.find(pattern)
                        while at >= 0:
                            if locked:
                                inside[key].append(
                                    f"{label} at {address + at:#x} in {name or '[anonymous]'} "
                                    f"{start:#x}-{end:#x} {perms}")
                            else:
                                outside[key].append(
                                    f"{label} at {address + at:#x} in {name or '[anonymous]'} "
                                    f"{start:#x}-{end:#x} {perms}")
                            at = data.find(pattern, at + 1)
            if not read_any:
                unreadable.append(f"{name or '[anonymous]'} {start:#x}-{end:#x}")
    print(f"scanned {scanned >> 10} KiB outside locked memory, {locked_bytes >> 10} KiB locked; "
          f"unreadable: {', '.join(unreadable) or 'none'}")
    failed = False
    for key, _, mode in keys:
        found = sorted(set(outside[key]))
        if found:
            failed = True
            print(f"FOUND {key} outside locked memory, {len(found)} place(s):")
            for place in found[:20]:
                print(f"    {place}")
        else:
            print(f"ok {key}: not outside locked memory ({len(inside[key])} match(es) inside)")
        if mode == "!" and not inside[key]:
            failed = True
            print(f"MISSING {key}: not found inside locked memory either (the scan is blind?)")
        if mode == "~" and inside[key]:
            failed = True
            print(f"FOUND {key} inside locked memory: replaced, it should have been wiped:")
            for place in sorted(set(inside[key]))[:20]:
                print(f"    {place}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv)
