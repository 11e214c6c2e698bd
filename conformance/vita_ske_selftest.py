#!/usr/bin/python3
"""Checks vita_ske.py against conformance/vectors/vita-ske-v5.json.

  /usr/bin/python3 conformance/vita_ske_selftest.py [VECTORS.json]

Both exchanges (ipv4, ipv6): prologue and every message byte for byte, run
by an Initiator and a Responder fed with the vector's ephemeral keys and
nonce, and all four SAs. ESP: each packet decrypts to inner_ipv4 and
encrypting inner_ipv4 gives the same bytes. Plus negative checks (tampered
messages, wrong PSK, wrong state, zero DH, RFC 4303 A2 seq_hi cases), and
vita_ske_peer.py driven as a co-process (two peers negotiating both ways,
ESP commands, error answers).
Exits 1 with a message on the first mismatch; prints one summary line.
"""

import json
import os
import struct
import subprocess
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vita_ske as ske  # noqa: E402

DEFAULT_VECTORS = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "vectors", "vita-ske-v5.json"
)


class Mismatch(Exception):
    pass


checks = 0


def expect_equal(what, actual, expected):
    global checks
    checks += 1
    if actual != expected:
        if isinstance(actual, bytes):
            actual = actual.hex()
        if isinstance(expected, bytes):
            expected = expected.hex()
        raise Mismatch(f"{what}:\n  got      {actual}\n  expected {expected}")


def expect_error(what, kind, function, *args):
    global checks
    checks += 1
    try:
        function(*args)
    except ske.ExchangeError as error:
        if error.kind != kind:
            raise Mismatch(f"{what}: got error {error.kind}, expected {kind}")
        return
    raise Mismatch(f"{what}: no error, expected {kind}")


def check_sa(what, sa, expected):
    expect_equal(f"{what}.spi", sa.spi, expected["spi"])
    expect_equal(f"{what}.key", sa.key, bytes.fromhex(expected["key"]))
    expect_equal(f"{what}.salt", sa.salt, bytes.fromhex(expected["salt"]))


def check_primitives():
    # Stdlib HMAC-BLAKE2s agrees with python3-cryptography's.
    key, message = bytes(range(40)), b"vita" * 50
    reference = crypto_hmac.HMAC(key, hashes.BLAKE2s(32))
    reference.update(message)
    expect_equal("HMAC-BLAKE2s", ske.hmac_blake2s(key, message), reference.finalize())
    expect_equal("Noise name length", len(ske.NOISE_NAME), 33)
    # Low-order point (all zero): DH result zero is a public-key error.
    expect_error("zero DH", "public-key", ske.x25519, bytes([1] * 32), bytes(32))


def run_exchange(vector):
    name = vector["name"]
    raw = lambda field: bytes.fromhex(vector[field])  # noqa: E731
    psk, nonce = raw("psk"), raw("responder_nonce")
    initiator_address = raw("initiator_address")
    responder_address = raw("responder_address")
    route_spi = vector["route_spi"]

    expect_equal(
        f"{name} prologue",
        ske.prologue(route_spi, initiator_address, responder_address, nonce),
        raw("prologue"),
    )

    initiator_route = ske.Route(route_spi, psk, initiator_address, responder_address)
    responder_route = ske.Route(route_spi, psk, responder_address, initiator_address)

    def make_pair():
        initiator = ske.Initiator(
            initiator_route,
            vector["initiator_spi"],
            ephemeral=lambda: raw("initiator_ephemeral_sk"),
        )
        responder = ske.Responder(
            responder_route,
            vector["responder_spi"],
            ephemeral=lambda: raw("responder_ephemeral_sk"),
            nonce=lambda: nonce,
        )
        return initiator, responder

    initiator, responder = make_pair()
    knock = initiator.knock()
    expect_equal(f"{name} knock", knock, raw("knock_udp_payload"))
    challenge = responder.receive(knock)
    expect_equal(f"{name} challenge", challenge, raw("challenge_udp_payload"))
    # Knock/challenge may repeat without changing the responder.
    expect_equal(f"{name} challenge again", responder.receive(knock), challenge)
    proposal = initiator.receive(challenge)
    expect_equal(f"{name} proposal", proposal, raw("proposal_udp_payload"))

    # Negative checks on the proposal; the responder must roll back.
    tampered = bytearray(proposal)
    tampered[50] ^= 1
    expect_error(f"{name} tampered proposal", "authentication", responder.receive, bytes(tampered))
    low_order = proposal[:8] + bytes(32) + proposal[40:]
    expect_error(f"{name} zero-key proposal", "authentication", responder.receive, low_order)
    expect_error(f"{name} short proposal", "protocol", responder.receive, proposal[:-1])
    wrong_route = struct.pack(">I", route_spi + 1) + proposal[4:]
    expect_error(f"{name} wrong route", "route", responder.receive, wrong_route)
    other = ske.Responder(
        ske.Route(route_spi, bytes(32), responder_address, initiator_address),
        vector["responder_spi"],
        ephemeral=lambda: raw("responder_ephemeral_sk"),
        nonce=lambda: nonce,
    )
    expect_error(f"{name} wrong psk", "authentication", other.receive, proposal)

    # A proposal with a valid tag but a low-order ephemeral (all zero):
    # DH gives zero, a public-key error.
    noise = ske.NoiseState(
        ske.prologue(route_spi, initiator_address, responder_address, nonce), psk
    )
    noise.mix_hash(bytes(32))
    noise.mix_key(bytes(32))
    sealed = noise.encrypt_and_hash(ske.payload_plaintext(vector["initiator_spi"]))
    zero_proposal = ske.encode(route_spi, ske.TYPE_PROPOSAL, bytes(32) + sealed)
    expect_error(f"{name} low-order proposal", "public-key", responder.receive, zero_proposal)

    agreement, responder_result = responder.receive(proposal)
    expect_equal(f"{name} agreement", agreement, raw("agreement_udp_payload"))
    expect_error(f"{name} agreement at responder", "protocol", responder.receive, agreement)

    bad_agreement = bytearray(agreement)
    bad_agreement[-1] ^= 0x80
    expect_error(f"{name} tampered agreement", "authentication", initiator.receive, bytes(bad_agreement))
    zero_agreement = agreement[:8] + bytes(32) + agreement[40:]
    expect_error(f"{name} low-order agreement", "public-key", initiator.receive, zero_agreement)
    expect_error(f"{name} challenge while waiting for agreement", "protocol", initiator.receive, challenge)
    initiator_result = initiator.receive(agreement)  # still works: rolled back
    expect_error(f"{name} agreement when idle", "protocol", initiator.receive, agreement)

    check_sa(f"{name} initiator_inbound_sa", initiator_result.inbound, vector["initiator_inbound_sa"])
    check_sa(f"{name} initiator_outbound_sa", initiator_result.outbound, vector["initiator_outbound_sa"])
    check_sa(f"{name} responder_inbound_sa", responder_result.inbound, vector["responder_inbound_sa"])
    check_sa(f"{name} responder_outbound_sa", responder_result.outbound, vector["responder_outbound_sa"])

    # Challenge checks at the initiator.
    initiator, _ = make_pair()
    initiator.knock()
    bad_version = challenge[:8] + struct.pack(">I", 4) + challenge[12:]
    expect_error(f"{name} challenge version", "version", initiator.receive, bad_version)
    bad_aead = challenge[:12] + b"aes-gcm-8-icv".ljust(32, b"\0") + challenge[44:]
    expect_error(f"{name} challenge aead", "parameter", initiator.receive, bad_aead)
    expect_equal(f"{name} proposal after rejected challenges", initiator.receive(challenge), proposal)
    # A mismatched address in the prologue fails authentication.
    mismatched = ske.Responder(
        ske.Route(route_spi, psk, responder_address, bytes(len(initiator_address))),
        vector["responder_spi"],
        ephemeral=lambda: raw("responder_ephemeral_sk"),
        nonce=lambda: nonce,
    )
    expect_error(f"{name} address mismatch", "authentication", mismatched.receive, proposal)


def run_esp(index, vector):
    what = f"esp[{index}]"
    sa = ske.SecurityAssociation(
        vector["sa"]["spi"],
        bytes.fromhex(vector["sa"]["key"]),
        bytes.fromhex(vector["sa"]["salt"]),
    )
    seq = vector["seq"]
    inner = bytes.fromhex(vector["inner_ipv4"])
    packet = bytes.fromhex(vector["esp_payload"])
    decrypted, next_header = ske.esp_decrypt(sa, seq >> 32, packet)
    expect_equal(f"{what} decrypt", decrypted, inner)
    expect_equal(f"{what} next header", next_header, ske.NEXT_HEADER_IPV4)
    expect_equal(f"{what} encrypt", ske.esp_encrypt(sa, seq, 4, inner), packet)
    expect_error(f"{what} wrong seq_hi", "authentication", ske.esp_decrypt, sa, (seq >> 32) + 1, packet)
    tampered = bytearray(packet)
    tampered[20] ^= 1
    expect_error(f"{what} tampered", "authentication", ske.esp_decrypt, sa, seq >> 32, bytes(tampered))
    # seq_hi reconstruction from a window top just below this packet.
    expect_equal(f"{what} seq_hi", ske.reconstruct_seq_hi(seq - 1, seq & 0xFFFFFFFF), seq >> 32)


def check_esp_misc():
    sa = ske.SecurityAssociation(0x1234, bytes(range(16)), b"\x01\x02\x03\x04")
    for length in range(20, 25):
        inner = bytes([0x60]) + bytes(length - 1)
        packet = ske.esp_encrypt(sa, 7, 41, inner)
        expect_equal(f"esp ciphertext aligned ({length})", (len(packet) - 32) % 4, 0)
        expect_equal(f"esp IV little-endian ({length})", packet[8:16], struct.pack("<Q", 7))
        expect_equal(f"esp round trip ({length})", ske.esp_decrypt(sa, 0, packet), (inner, 41))
    # RFC 4303 A2: case A and case B.
    w = 128
    expect_equal("A2 case A same", ske.reconstruct_seq_hi(0x1_00001000, 0x00000FFF, w), 1)
    expect_equal("A2 case A wrap", ske.reconstruct_seq_hi(0x0_FFFFFFF0, 0x00000005, w), 1)
    expect_equal("A2 case B old", ske.reconstruct_seq_hi(0x1_00000005, 0xFFFFFFF0, w), 0)
    expect_equal("A2 case B new", ske.reconstruct_seq_hi(0x1_00000005, 0x00000009, w), 1)
    expect_equal("A2 start", ske.reconstruct_seq_hi(0, 1, w), 0)


class PeerProcess:
    """vita_ske_peer.py as a co-process: one command line, one answer line."""

    def __init__(self):
        peer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vita_ske_peer.py")
        self.process = subprocess.Popen(
            [sys.executable, peer], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def ask(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().rstrip("\n")

    def close(self):
        answer = self.ask("quit")
        self.process.stdin.close()
        self.process.wait(timeout=10)
        expect_equal("peer quit", (answer, self.process.returncode), ("ok", 0))


def fields(line):
    return dict(token.split("=", 1) for token in line.split() if "=" in token)


def check_peer(vectors):
    a, b = PeerProcess(), PeerProcess()
    try:
        # Two peers, both roles each, negotiate in both directions.
        psk = "ab" * 32
        expect_equal("peer config a", a.ask(f"config role=both route_spi=5000 psk={psk} local=2001:db8::a remote=2001:db8::b rx_spi=1000 seed=1"), "ok")
        expect_equal("peer config b", b.ask(f"config role=both route_spi=5000 psk={psk} local=2001:db8::b remote=2001:db8::a rx_spi=2000 seed=2"), "ok")
        for initiator, responder in ((a, b), (b, a)):
            knock = initiator.ask("knock")
            challenge = responder.ask("recv " + knock.split()[1])
            proposal = initiator.ask("recv " + challenge.split()[1])
            agreement = responder.ask("recv " + proposal.split()[1])
            expect_equal("peer agreement form", agreement.split()[0::2][:2], ["send", "sa"])
            done = initiator.ask("recv " + agreement.split()[1])
            expect_equal("peer sa form", done.split()[0], "sa")
            mine, theirs = fields(done), fields(" ".join(agreement.split()[2:]))
            for here, there in (("inbound", "outbound"), ("outbound", "inbound")):
                for item in ("spi", "key", "salt"):
                    expect_equal(f"peer SAs match ({here}_{item})", mine[f"{here}_{item}"], theirs[f"{there}_{item}"])
            # Replay of the proposal after completion: new nonce, so it fails.
            expect_equal("peer replayed proposal", responder.ask("recv " + proposal.split()[1]), "error authentication")
        expect_equal("peer wrong route", a.ask("recv 0000138a0b00000000000005"), "error route")
        expect_equal("peer bad length", a.ask("recv 000013880b0000000000000500"), "error protocol")
        expect_equal("peer unexpected challenge", a.ask("recv " + challenge.split()[1]), "error protocol")
        expect_equal("peer usage", a.ask("recv"), "error usage recv takes one HEX payload")
        expect_equal("peer unknown", a.ask("frobnicate x=1").split()[:2], ["error", "usage"])
        # ESP through the co-process.
        for packet in vectors["esp"]:
            sa = packet["sa"]
            keys = f"spi={sa['spi']} key={sa['key']} salt={sa['salt']}"
            expect_equal("peer esp-encrypt", a.ask(f"esp-encrypt {keys} seq={packet['seq']} next=4 inner={packet['inner_ipv4']}"), "esp " + packet["esp_payload"])
            expect_equal("peer esp-decrypt", a.ask(f"esp-decrypt {keys} seq_hi={packet['seq'] >> 32} esp={packet['esp_payload']}"), f"inner {packet['inner_ipv4']} next=4")
            expect_equal("peer esp-decrypt bad seq_hi", a.ask(f"esp-decrypt {keys} seq_hi=7 esp={packet['esp_payload']}"), "error authentication")
        expect_equal("peer seq-hi", a.ask("seq-hi top=4294967280 seq_lo=5"), "seq_hi 1")
    finally:
        a.close()
        b.close()


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_VECTORS
    with open(path) as handle:
        vectors = json.load(handle)
    try:
        check_primitives()
        for exchange in vectors["exchanges"]:
            run_exchange(exchange)
        for index, packet in enumerate(vectors["esp"]):
            run_esp(index, packet)
        check_esp_misc()
        check_peer(vectors)
    except Mismatch as error:
        print(f"vita_ske_selftest: FAIL {error}", file=sys.stderr)
        return 1
    names = ",".join(e["name"] for e in vectors["exchanges"])
    print(
        f"vita_ske_selftest: OK {checks} checks; exchanges {names}; "
        f"{len(vectors['esp'])} ESP packets; vectors {os.path.basename(path)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
