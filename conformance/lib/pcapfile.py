"""Reading captures for conformance/run and its checks: classic pcap (either
byte order, microsecond or nanosecond timestamps) natively, pcapng through
Scapy. Timestamps are kept as integer nanoseconds so that comparisons are
exact.
"""

import struct


class CaptureError(ValueError):
    pass


class Frame:
    __slots__ = ("time_ns", "data", "wire_length")

    def __init__(self, time_ns, data, wire_length):
        self.time_ns = time_ns
        self.data = data
        self.wire_length = wire_length


MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1000),        # little-endian, microseconds
    b"\xa1\xb2\xc3\xd4": (">", 1000),
    b"\x4d\x3c\xb2\xa1": ("<", 1),           # nanoseconds
    b"\xa1\xb2\x3c\x4d": (">", 1),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
LINKTYPE_ETHERNET = 1


def read(path):
    """[Frame] of an Ethernet capture. Raises CaptureError naming the file."""
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError as e:
        raise CaptureError("%s: %s" % (path, e.strerror)) from e
    if blob[:4] == PCAPNG_MAGIC:
        return _read_pcapng(path)
    if len(blob) < 24 or blob[:4] not in MAGICS:
        raise CaptureError("%s: not a pcap file (%d bytes)" % (path, len(blob)))
    order, scale = MAGICS[blob[:4]]
    linktype = struct.unpack(order + "I", blob[20:24])[0] & 0x0FFFFFFF
    if linktype != LINKTYPE_ETHERNET:
        raise CaptureError("%s: link type %d, expected 1 (Ethernet)" % (path, linktype))
    frames, offset, record = [], 24, struct.Struct(order + "IIII")
    while offset < len(blob):
        if offset + 16 > len(blob):
            raise CaptureError("%s: truncated record header at byte %d" % (path, offset))
        sec, frac, caplen, wirelen = record.unpack_from(blob, offset)
        offset += 16
        if offset + caplen > len(blob):
            raise CaptureError("%s: frame %d truncated (%d of %d bytes)" %
                               (path, len(frames) + 1, len(blob) - offset, caplen))
        frames.append(Frame(sec * 1_000_000_000 + frac * scale, blob[offset:offset + caplen],
                            wirelen))
        offset += caplen
    return frames


def _read_pcapng(path):
    from scapy.utils import RawPcapNgReader  # only inputs may be pcapng
    frames = []
    try:
        with RawPcapNgReader(path) as reader:
            for data, meta in reader:
                if meta.linktype != LINKTYPE_ETHERNET:
                    raise CaptureError("%s: link type %d, expected 1 (Ethernet)" %
                                       (path, meta.linktype))
                ticks = (meta.tshigh << 32) | meta.tslow
                frames.append(Frame(ticks * 1_000_000_000 // meta.tsresol, data, meta.wirelen))
    except CaptureError:
        raise
    except Exception as e:  # Scapy raises several kinds
        raise CaptureError("%s: unreadable pcapng (%s)" % (path, e)) from e
    return frames


def start_time_ns(paths):
    """The replay's virtual clock start: the earliest frame of the inputs
    that exist (0, the epoch, without input)."""
    first = []
    for path in paths:
        try:
            frames = read(path)
        except CaptureError:
            continue
        if frames:
            first.append(min(f.time_ns for f in frames))
    return min(first) if first else 0


def seconds(ns):
    """'1.000100' (microsecond precision, as the outputs are stamped)."""
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    text = "%s%d.%06d" % (sign, ns // 1_000_000_000, (ns % 1_000_000_000) // 1000)
    if ns % 1000:
        text += "%03d" % (ns % 1000)
    return text


def write(path, frames):
    """Writes [Frame] as a classic pcap (microseconds, Ethernet, snaplen
    65535)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET))
        for frame in frames:
            usec = frame.time_ns // 1000
            f.write(struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(frame.data),
                                max(frame.wire_length, len(frame.data))))
            f.write(frame.data)
