"""Frame-by-frame comparison of two captures, naming the first difference
in words: "public-out frame 3: ESP sequence number 2, expected 3".

Frames are decoded with Scapy (imported on first use: a run where every
capture matches never loads it). The layers of both frames are walked side
by side and the first field whose value differs is named.
"""

import pcapfile

# (Scapy layer class name, field) -> words. Fields not listed are named
# "<layer> <field>".
FIELD_NAMES = {
    ("Ether", "dst"): "Ethernet dst",
    ("Ether", "src"): "Ethernet src",
    ("Ether", "type"): "Ethernet type",
    ("Dot1Q", "vlan"): "VLAN id",
    ("ARP", "op"): "ARP op",
    ("ARP", "hwsrc"): "ARP sender MAC",
    ("ARP", "psrc"): "ARP sender IP",
    ("ARP", "hwdst"): "ARP target MAC",
    ("ARP", "pdst"): "ARP target IP",
    ("IP", "version"): "IP version",
    ("IP", "ihl"): "IP header length",
    ("IP", "tos"): "IP tos",
    ("IP", "len"): "IP len",
    ("IP", "id"): "IP id",
    ("IP", "flags"): "IP flags",
    ("IP", "frag"): "IP fragment offset",
    ("IP", "ttl"): "IP ttl",
    ("IP", "proto"): "IP proto",
    ("IP", "chksum"): "IP chksum",
    ("IP", "src"): "IP src",
    ("IP", "dst"): "IP dst",
    ("IP", "options"): "IP options",
    ("IPv6", "tc"): "IPv6 traffic class",
    ("IPv6", "fl"): "IPv6 flow label",
    ("IPv6", "plen"): "IPv6 plen",
    ("IPv6", "nh"): "IPv6 next header",
    ("IPv6", "hlim"): "IPv6 hlim",
    ("IPv6", "src"): "IPv6 src",
    ("IPv6", "dst"): "IPv6 dst",
    ("ICMP", "type"): "ICMP type",
    ("ICMP", "code"): "ICMP code",
    ("ICMP", "chksum"): "ICMP chksum",
    ("ICMP", "id"): "ICMP id",
    ("ICMP", "seq"): "ICMP seq",
    ("ICMP", "nexthopmtu"): "ICMP next-hop MTU",
    ("UDP", "sport"): "UDP sport",
    ("UDP", "dport"): "UDP dport",
    ("UDP", "len"): "UDP len",
    ("UDP", "chksum"): "UDP chksum",
    ("TCP", "sport"): "TCP sport",
    ("TCP", "dport"): "TCP dport",
    ("TCP", "chksum"): "TCP chksum",
    ("ESP", "spi"): "ESP spi",
    ("ESP", "seq"): "ESP sequence number",
    ("IPerror", "ttl"): "quoted IP ttl",
    ("IPerror", "len"): "quoted IP len",
    ("IPerror", "chksum"): "quoted IP chksum",
    ("IPerror", "src"): "quoted IP src",
    ("IPerror", "dst"): "quoted IP dst",
    ("IPerror6", "hlim"): "quoted IPv6 hlim",
    ("IPerror6", "plen"): "quoted IPv6 plen",
}

_scapy = None


def _load_scapy():
    global _scapy
    if _scapy is None:
        from scapy.layers.l2 import Ether
        from scapy.packet import Raw, Padding
        import scapy.layers.all  # noqa: F401  (binds every protocol we may meet)
        _scapy = (Ether, Raw, Padding)
    return _scapy


def _format(layer_name, field, value):
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        if field in ("chksum", "cksum") or (field == "type" and layer_name in ("Ether", "Dot1Q")):
            return "0x%04x" % value
        return str(value)
    if isinstance(value, bytes):
        return value.hex() if len(value) <= 16 else value[:16].hex() + "..."
    return str(value)


def _layers(packet):
    layers = []
    while packet is not None and packet.__class__.__name__ != "NoPayload":
        layers.append(packet)
        packet = packet.payload
    return layers


def _offsets(frame, layers):
    """Byte offset in the frame where each layer starts (from the lengths
    of what follows it)."""
    from scapy.packet import raw
    out = []
    for layer in layers:
        try:
            out.append(len(frame) - len(raw(layer)))
        except Exception:
            out.append(None)
    return out


def describe(actual, expected, keys=None, _shift=0):
    """The first difference between two frames (bytes), in words; None if
    they are equal. keys: {spi: [(key, salt)]} of static SAs: ESP packets
    whose ciphertext differs are then decrypted and their inner packets
    compared."""
    if actual == expected:
        return None
    Ether, Raw, Padding = _load_scapy()
    try:
        a_layers = _layers(Ether(actual))
        e_layers = _layers(Ether(expected))
    except Exception:  # undecodable: fall back to bytes
        return _byte_difference(actual, expected, _shift, "byte")
    a_offsets = [None if o is None else o + _shift for o in _offsets(actual, a_layers)]
    # A checksum that differs is reported only if nothing else does: the
    # field or payload byte that changed it is the better clue.
    checksum = None
    for index, (a, e) in enumerate(zip(a_layers, e_layers)):
        a_name, e_name = a.__class__.__name__, e.__class__.__name__
        if a_name != e_name:
            return "layer %d is %s, expected %s" % (index + 1, a.name, e.name)
        if isinstance(a, (Raw, Padding)) or (a_name == "ESP" and a.spi == e.spi
                                             and a.seq == e.seq):
            offset = a_offsets[index] or 0
            if a_name == "ESP":
                text = _describe_esp(a, e, keys) if keys else None
                if text:
                    return text
                if a.data[:8] != e.data[:8]:
                    return "ESP IV %s, expected %s" % (a.data[:8].hex(), e.data[:8].hex())
                a_bytes, e_bytes, offset, what = a.data, e.data, offset + 8, "ESP encrypted data"
            else:
                a_bytes, e_bytes = a.load, e.load
                what = "padding" if isinstance(a, Padding) else "payload"
            text = _byte_difference(a_bytes, e_bytes, offset, what)
            if text:
                return text
            continue
        for field in a.fields_desc:
            name = field.name
            try:
                a_value, e_value = a.getfieldval(name), e.getfieldval(name)
            except Exception:
                continue
            if a_value != e_value:
                label = FIELD_NAMES.get((a_name, name), "%s %s" % (a.name, name))
                text = "%s %s, expected %s" % (label, _format(a_name, name, a_value),
                                               _format(a_name, name, e_value))
                if name in ("chksum", "cksum"):
                    checksum = checksum or text
                    continue
                return text
    if len(a_layers) != len(e_layers):
        if len(actual) != len(expected):
            return "frame length %d, expected %d" % (len(actual), len(expected))
        longer = a_layers if len(a_layers) > len(e_layers) else e_layers
        extra = longer[min(len(a_layers), len(e_layers))]
        return "%s layer %s" % ("extra" if longer is a_layers else "missing", extra.name)
    if checksum:
        return checksum
    # Same decoded fields but other bytes (fields Scapy folds, trailing data).
    return _byte_difference(actual, expected, _shift, "byte")


def _open_esp(keys, esp):
    """(iv, inner, padding, next header) of a Scapy ESP layer, decrypted
    with one of the SA keys for its SPI; None if none authenticates it. The
    high sequence bits are taken from the IV (the gateway sends the 64-bit
    sequence number there), else tried as 0."""
    import struct
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    body = bytes(esp.data)
    if len(body) < 8 + 16 + 2:
        return None
    iv = body[:8]
    from_iv = int.from_bytes(iv, "little")
    highs = [from_iv >> 32] if from_iv & 0xFFFFFFFF == esp.seq else []
    for key, salt in keys.get(esp.spi, ()):
        for high in highs + [0]:
            aad = struct.pack(">III", esp.spi, high, esp.seq)
            try:
                plain = AESGCM(key).decrypt(salt + iv, body[8:], aad)
            except Exception:
                continue
            pad = plain[-2]
            if pad + 2 > len(plain):
                return None
            return iv, plain[:len(plain) - 2 - pad], plain[len(plain) - 2 - pad:-2], plain[-1]
    return None


def _describe_esp(a, e, keys):
    """The difference between two ESP packets of the same SPI and sequence
    number, decrypted; None if they cannot be decrypted."""
    opened_a, opened_e = _open_esp(keys, a), _open_esp(keys, e)
    if opened_a is None or opened_e is None:
        return None
    (iv_a, inner_a, pad_a, nh_a), (iv_e, inner_e, pad_e, nh_e) = opened_a, opened_e
    if inner_a != inner_e:
        def frame(inner):
            version = inner[0] >> 4 if inner else 0
            return b"\0" * 12 + (b"\x86\xdd" if version == 6 else b"\x08\x00") + inner
        return "inner packet (decrypted): " + describe(frame(inner_a), frame(inner_e), _shift=-14)
    if nh_a != nh_e:
        return "ESP next header %d, expected %d" % (nh_a, nh_e)
    if pad_a != pad_e:
        return "ESP padding %s, expected %s" % (pad_a.hex(), pad_e.hex())
    if iv_a != iv_e:
        return "ESP IV %s, expected %s" % (iv_a.hex(), iv_e.hex())
    return None


def _byte_difference(actual, expected, base, what):
    for i, (x, y) in enumerate(zip(actual, expected)):
        if x != y:
            return "%s at offset %d: 0x%02x, expected 0x%02x" % (
                what + " bytes" if what in ("payload", "padding") else what, base + i, x, y)
    if len(actual) != len(expected):
        return "%s length %d, expected %d" % (what if what != "byte" else "frame",
                                              len(actual), len(expected))
    return None


def frames(count):
    return "%d frame%s" % (count, "" if count == 1 else "s")


def _first_frame_difference(actual_frames, expected_frames, start_ns, keys=None):
    """(frame number, words) of the first pair of frames that differ in
    bytes, time or wire length; None if every common frame matches."""
    for number, (a, e) in enumerate(zip(actual_frames, expected_frames), start=1):
        if a.data != e.data:
            return number, describe(a.data, e.data, keys)
        if a.time_ns != e.time_ns:
            return number, "time %s s, expected %s s" % (
                pcapfile.seconds(a.time_ns - start_ns), pcapfile.seconds(e.time_ns - start_ns))
        if a.wire_length != e.wire_length:
            return number, "wire length %d, expected %d" % (a.wire_length, e.wire_length)
    return None


def compare(label, actual_frames, expected_frames, start_ns=0, keys=None):
    """The first difference between two captures ([pcapfile.Frame]) in words,
    e.g. "public-out frame 3: ESP sequence number 2, expected 3" or
    "public-out: 2 frames, expected 3", or None if they are identical.
    Times are shown relative to `start_ns` (the replay's clock start)."""
    first = _first_frame_difference(actual_frames, expected_frames, start_ns, keys)
    if len(actual_frames) != len(expected_frames):
        count = "%s: %s, expected %d" % (label, frames(len(actual_frames)), len(expected_frames))
        if first:
            return "%s; first difference frame %d: %s" % (count, first[0], first[1])
        return count
    if first:
        return "%s frame %d: %s" % (label, first[0], first[1])
    return None


def summarize_change(old_frames, new_frames, start_ns=0, keys=None):
    """For --regenerate: 'new', 'unchanged', or how the capture changed, e.g.
    '3 frames -> 4 frames, first change frame 2: IP ttl 64, was 63'."""
    if old_frames is None:
        return "new"
    first = _first_frame_difference(new_frames, old_frames, start_ns, keys)
    change = None
    if first:
        change = "frame %d: %s" % (first[0], first[1].replace(", expected ", ", was "))
    if len(old_frames) != len(new_frames):
        text = "%s -> %s" % (frames(len(old_frames)), frames(len(new_frames)))
        return text + (", first change " + change if change else "")
    if change:
        return "%s, first change %s" % (frames(len(new_frames)), change)
    return "unchanged"
