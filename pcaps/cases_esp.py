"""ESP cases (PROTOCOL.md 1): unknown SPI, anti-replay window, ICV,
truncation at every boundary, padding and next header, extended sequence
numbers across 2^32. Inbound ESP is encrypted by Scapy's own
SecurityAssociation wherever the packet is well formed, so that the gateway
decrypting it is an interoperability check; hand-made plaintexts (bad
padding, bad next header) use python3-cryptography."""

import struct

from dataplane import (V4, V6, HOST, ROUTES, config, esp_frame, esp_payload, esp_plaintext,
                       fam, inbound_sa, outer, PUBLIC_IP, raw_esp_frame, remote_host,
                       scapy_esp, to_private, to_public, udp_packet)


def frames(private, public):
    return ["frames private-out %d" % private, "frames public-out %d" % public]


SILENT = "# spec silent on the counter: recorded from the gateway"


def sa_counters(decrypt=0, protocol=0, rx=0, route="tokyo", queue=1):
    sa = inbound_sa(route, queue)
    return ["%s/sa-state/decrypt-errors %d" % (sa, decrypt),
            "%s/sa-state/protocol-errors %d" % (sa, protocol),
            "%s/sa-state/rxerrors %d" % (sa, rx)]


def cases():
    for f in (V4, V6):
        n = fam(f)
        tokyo = remote_host(f)
        spi = ROUTES["tokyo"]["inbound_spi"][1]
        peer = ROUTES["tokyo"]["gateway"][1][f]
        own = PUBLIC_IP[1][f]

        def inner(seed=0, size=100):
            return udp_packet(f, tokyo, HOST[f], size, seed=seed)

        def esp(seq, seed=0, **kw):
            return esp_frame(f, inner(seed), seq, **kw)

        def scapy_payload(seq, seed=0):
            header = 20 if f == V4 else 40
            return scapy_esp(f, inner(seed), spi, seq, peer, own)[header:]

        yield dict(
            name="esp-%s-unknown-spi" % n,
            config=config(f),
            public_in=[(0.0, esp_frame(f, inner(), 1, spi=7777))],
            counters=["public-router/route-errors 1"] + sa_counters() + frames(0, 0),
            description="ESP with an SPI no inbound SA has is dropped and counted as a "
                        "route error of the public router.")

        yield dict(
            name="esp-%s-replayed-sequence" % n,
            config=config(f),
            public_in=[(0.0, esp(1)), (0.001, esp(2, 1)), (0.002, esp(1)), (0.003, esp(2, 1))],
            counters=sa_counters(decrypt=2) + frames(2, 0),
            description="Sequence numbers 1, 2, 1, 2: the repeats are replays, dropped and "
                        "counted as decrypt errors of the SA; the first two are forwarded.")

        yield dict(
            name="esp-%s-bad-icv" % n,
            config=config(f),
            public_in=[(0.0, _corrupt(esp(1), -1)), (0.001, _corrupt(esp(2, 1), -16)),
                       (0.002, esp(3, 2))],
            counters=sa_counters(decrypt=2) + frames(1, 0),
            description="ESP with a flipped bit in the last and in the first ICV byte fails "
                        "authentication (decrypt errors); an authentic packet after them is "
                        "forwarded.")

        yield dict(
            name="esp-%s-esn-inbound-crossing-2-32" % n,
            config=config(f),
            public_in=[(0.0, esp(0xFFFFFFFE)), (0.001, esp(0x100000000, 1)),
                       (0.002, esp(0xFFFFFFFF, 2)), (0.003, esp(0x100000001, 3))],
            counters=sa_counters() + frames(4, 0),
            description="Inbound sequence numbers 2^32-2, 2^32, 2^32-1 (late, still in the "
                        "window: seq_hi 0 reconstructed), 2^32+1: all authenticate with the "
                        "reconstructed seq_hi (RFC 4303 A2) and are forwarded.")

        yield dict(
            name="esp-%s-esn-outbound-crossing-2-32" % n,
            config=config(f),
            options="--initial-seq 4294967295",
            private_in=[(0.001 * i, to_private(udp_packet(f, HOST[f], tokyo, 100, seed=i), f))
                        for i in range(3)],
            counters=["outbound-sa[route=tokyo][queue=1]/packets 4294967297"] + frames(0, 3),
            description="With the first outbound sequence number 2^32-1, three packets carry "
                        "seq_lo ffffffff, 0, 1 (ESN: seq_hi 0, 1, 1 in the AAD) and IVs "
                        "2^32-1, 2^32, 2^32+1 little-endian.")

        yield dict(
            name="esp-%s-truncated-after-iv" % n,
            config=config(f),
            public_in=[(0.0, raw_esp_frame(f, scapy_payload(1)[:16]))],
            counters=[SILENT] + sa_counters(rx=1) + frames(0, 0),
            description="ESP that ends right after the IV (SPI, sequence number, IV: 16 "
                        "bytes) is dropped.")

        yield dict(
            name="esp-%s-bad-next-header" % n,
            config=config(f),
            public_in=[(0.0, raw_esp_frame(f, esp_payload(spi, 1, esp_plaintext(inner(), 17))))],
            counters=sa_counters(protocol=1) + frames(0, 0),
            description="Authentic ESP with next header 17 (neither 4 nor 41) is dropped and "
                        "counted as a protocol error of the SA.")

    # IPv4 only from here: the checks do not depend on the family.
    f = V4
    tokyo = remote_host(f)
    spi = ROUTES["tokyo"]["inbound_spi"][1]
    peer = ROUTES["tokyo"]["gateway"][1][f]
    own = PUBLIC_IP[1][f]

    def inner(seed=0, size=100):
        return udp_packet(f, tokyo, HOST[f], size, seed=seed)

    def esp(seq, seed=0, **kw):
        return esp_frame(f, inner(seed), seq, **kw)

    def scapy_payload(seq, seed=0):
        return scapy_esp(f, inner(seed), spi, seq, peer, own)[20:]

    yield dict(
        name="esp-spi-of-other-queue",
        config=config(f, queues=2),
        public_in=[(0.0, esp_frame(f, inner(), 1, queue=1,
                                   spi=ROUTES["tokyo"]["inbound_spi"][2]))],
        counters=["public-router/route-errors 1"] + sa_counters(queue=2) + frames(0, 0),
        description="ESP on queue 1 with the SPI of queue 2's inbound SA: SAs are keyed by "
                    "(spi, queue), so queue 1 knows no such SPI (route error).")

    yield dict(
        name="esp-sequence-window-edge",
        config=config(f),
        public_in=[(0.0, esp(200)), (0.001, esp(73, 1)), (0.002, esp(74, 2)),
                   (0.003, esp(73, 1))],
        counters=sa_counters(decrypt=1) + frames(3, 0),
        description="After 200, sequence numbers 73 and 74 (at the left edge of a "
                    "128-packet window, the least PROTOCOL.md allows) are accepted; 73 again is "
                    "a replay.")

    yield dict(
        name="esp-sequence-gateway-window-edge",
        config=config(f),
        public_in=[(0.0, esp(2000)), (0.001, esp(977, 1)), (0.002, esp(976, 2))],
        counters=["# RECORDED: the spec asks for a window of at least 128; the gateway's is "
                  "1024 packets"] + sa_counters(decrypt=1) + frames(2, 0),
        description="SPEC SILENT beyond 128, recorded: after 2000, 977 (the left edge of the "
                    "gateway's 1024-packet window) is accepted and 976 (just outside) "
                    "dropped.")
    yield dict(
        name="esp-sequence-left-of-window",
        config=config(f),
        public_in=[(0.0, esp(100000)), (0.001, esp(1, 1)), (0.002, esp(90000, 2))],
        counters=sa_counters(decrypt=2) + frames(1, 0),
        description="After 100000, sequence numbers 1 and 90000 lie left of the window "
                    "(10000 and more behind): dropped and counted as decrypt errors.")

    yield dict(
        name="esp-sequence-out-of-order",
        config=config(f),
        public_in=[(0.0, esp(3)), (0.001, esp(1, 1)), (0.002, esp(2, 2)), (0.003, esp(5, 3)),
                   (0.004, esp(4, 4))],
        counters=sa_counters() + frames(5, 0),
        description="Sequence numbers 3, 1, 2, 5, 4: reordering inside the window loses "
                    "nothing; all five are forwarded.")

    yield dict(
        name="esp-sequence-far-future",
        config=config(f),
        public_in=[(0.0, esp(1)), (0.001, esp(1000000, 1)), (0.002, esp(2, 2)),
                   (0.003, esp(1000001, 3))],
        counters=sa_counters(decrypt=1) + frames(3, 0),
        description="A jump from 1 to 1000000 is accepted and slides the window; 2 is then "
                    "left of it (dropped); 1000001 is accepted.")

    yield dict(
        name="esp-sequence-zero",
        config=config(f),
        public_in=[(0.0, raw_esp_frame(f, esp_payload(spi, 0, esp_plaintext(inner(), 4)))),
                   (0.001, esp(1, 1))],
        counters=sa_counters(decrypt=1) + frames(1, 0),
        description="An otherwise authentic packet with sequence number 0 (senders start at "
                    "1, RFC 4303 3.3.3) is dropped; sequence number 1 after it is forwarded.")

    yield dict(
        name="esp-esn-wrong-subspace",
        config=config(f),
        public_in=[(0.0, esp(0xFFFFFFF0)), (0.001, esp(5, 1))],
        counters=sa_counters(decrypt=1) + frames(1, 0),
        description="After 2^32-16, a packet sent with sequence number 5 (seq_hi 0) is "
                    "taken for 2^32+5 (RFC 4303 A2: below the window means the next "
                    "subspace), fails authentication and is dropped.")

    yield dict(
        name="esp-bad-ciphertext",
        config=config(f),
        public_in=[(0.0, _corrupt(esp(1), 14 + 20 + 16 + 3))],
        counters=sa_counters(decrypt=1) + frames(0, 0),
        description="ESP with one flipped ciphertext bit fails authentication.")

    yield dict(
        name="esp-bad-sequence-field",
        config=config(f),
        public_in=[(0.0, _set_seq(esp(1), 2))],
        counters=sa_counters(decrypt=1) + frames(0, 0),
        description="ESP encrypted with sequence number 1 but carrying 2 in its header "
                    "fails authentication (the sequence number is in the AAD).")

    be_iv = struct.pack(">Q", 7)
    yield dict(
        name="esp-iv-used-as-carried",
        config=config(f),
        public_in=[(0.0, raw_esp_frame(f, _scapy_with_iv(inner(), spi, 7, be_iv, peer, own))),
                   (0.001, raw_esp_frame(f, _scapy_with_iv(inner(1), spi, 8, b"\x5a" * 8, peer,
                                                           own)))],
        counters=sa_counters() + frames(2, 0),
        description="Inbound ESP whose IV is not the little-endian sequence number (Linux's "
                    "big-endian one, then an arbitrary one) authenticates: the receiver uses "
                    "the IV bytes as carried.")

    # Truncation at every boundary: SPI, sequence number, IV, ICV.
    full = scapy_payload(1)
    yield dict(
        name="esp-truncated-shorter-than-spi",
        config=config(f),
        public_in=[(0.0, raw_esp_frame(f, full[:2]))],
        counters=[SILENT, "public-router/route-errors 1"] + sa_counters() + frames(0, 0),
        description="An IPv4 packet of protocol 50 carrying 2 bytes (shorter than an SPI) "
                    "is dropped.")
    yield dict(
        name="esp-truncated-after-spi",
        config=config(f),
        public_in=[(0.0, raw_esp_frame(f, full[:4]))],
        counters=[SILENT] + sa_counters(rx=1) + frames(0, 0),
        description="ESP that ends right after the SPI (4 bytes) is dropped.")
    yield dict(
        name="esp-truncated-after-sequence",
        config=config(f),
        public_in=[(0.0, raw_esp_frame(f, full[:8]))],
        counters=[SILENT] + sa_counters(rx=1) + frames(0, 0),
        description="ESP that ends right after the sequence number (8 bytes) is dropped.")
    yield dict(
        name="esp-truncated-no-payload",
        config=config(f),
        public_in=[(0.0, raw_esp_frame(f, full[:16] + full[-16:]))],
        counters=[SILENT] + sa_counters(rx=1) + frames(0, 0),
        description="ESP of SPI, sequence number, IV and a 16-byte ICV with no payload or "
                    "trailer (32 bytes) is dropped.")
    yield dict(
        name="esp-truncated-icv",
        config=config(f),
        public_in=[(0.0, raw_esp_frame(f, full[:-4])), (0.001, raw_esp_frame(f, full[:-1]))],
        counters=[SILENT] + sa_counters(decrypt=1, rx=1) + frames(0, 0),
        description="ESP with the last 4 bytes of its ICV cut (still 4-byte aligned: fails "
                    "authentication) and with the last byte cut (not aligned) is dropped.")
    frame = esp(1)
    yield dict(
        name="esp-frame-cut-short",
        config=config(f),
        public_in=[(0.0, frame[:14 + 20 + 16])],
        counters=[SILENT, "public-dispatch/rxerrors 1"] + sa_counters() + frames(0, 0),
        description="A frame cut after the ESP IV while its IPv4 total length states the "
                    "whole packet is dropped before decryption.")

    yield dict(
        name="esp-bad-padding",
        config=config(f),
        public_in=[(0.0, raw_esp_frame(f, esp_payload(
            spi, 1, inner() + bytes([1, 2, 250, 4]))))],
        counters=["# spec: pad_length must fit inside the plaintext; the counter is the SA's "
                  "protocol-errors by analogy with next header"] +
        sa_counters(protocol=1) + frames(0, 0),
        description="Authentic ESP whose pad_length (250) does not fit inside the plaintext "
                    "is dropped.")

    yield dict(
        name="esp-padding-content-unchecked",
        config=config(f),
        public_in=[(0.0, raw_esp_frame(f, esp_payload(
            spi, 1, esp_plaintext(inner(), 4, pad_length=6, pad_bytes=b"\xaa" * 6))))],
        counters=sa_counters() + frames(1, 0),
        description="Authentic ESP with 6 padding bytes of 0xaa (not 1, 2, 3, ...) is "
                    "forwarded: the receiver does not check the padding's content.")

    yield dict(
        name="esp-next-header-59-dummy",
        config=config(f),
        public_in=[(0.0, raw_esp_frame(f, esp_payload(spi, 1, esp_plaintext(b"\0" * 30, 59))))],
        counters=sa_counters(protocol=1) + frames(0, 0),
        description="Authentic ESP with next header 59 (a dummy packet) is dropped and, "
                    "like any next header other than 4 and 41, counted as a protocol error "
                    "of the SA.")


def _corrupt(frame, offset):
    """Flips the low bit of the byte at `offset` (negative: from the end)."""
    out = bytearray(frame)
    out[offset] ^= 0x01
    return bytes(out)


def _set_seq(frame, seq_lo):
    out = bytearray(frame)
    struct.pack_into("!I", out, 14 + 20 + 4, seq_lo)
    return bytes(out)


def _scapy_with_iv(inner, spi, seq, iv, src, dst):
    """ESP payload (SPI..ICV) encrypted by Scapy with an explicit IV."""
    from scapy.layers.inet import IP
    from scapy.layers.ipsec import ESP, SecurityAssociation
    from scapy.packet import raw
    from dataplane import sa_key
    key, salt = sa_key(spi)
    sa = SecurityAssociation(ESP, spi=spi, seq_num=seq, crypt_algo="AES-GCM",
                             crypt_key=key + salt, auth_algo="NULL", esn_en=True, esn=0,
                             tunnel_header=IP(src=src, dst=dst, ttl=64, id=0))
    packet = raw(sa.encrypt(IP(inner), seq_num=seq, iv=iv, esn_en=True, esn=0))
    assert packet[20 + 8:20 + 16] == iv
    return packet[20:]
