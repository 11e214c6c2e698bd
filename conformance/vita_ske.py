#!/usr/bin/python3
"""Independent implementation of vita-ske version 5 and of Vita's ESP.

Written only from shared/spec/PROTOCOL.md sections 1 and 2, as a second,
independent peer for the C++ gateway (it shares no code with gateway/).

Key exchange (PROTOCOL.md 2):
  * Primitives: BLAKE2s-256, HMAC-BLAKE2s, HKDF (2.3), X25519, AES-256-GCM.
  * NoiseState: Noise_NNpsk0_25519_AESGCM_BLAKE2s with Vita's DIFFERS Split.
  * Initiator / Responder: the four messages (knock, challenge, proposal,
    agreement) as UDP payloads (8-byte transport header + message), with
    injectable ephemeral private keys and responder nonce for determinism.
  * Exchange result: SecurityAssociation(spi, key16, salt4) inbound/outbound.

ESP (PROTOCOL.md 1):
  * esp_encrypt / esp_decrypt: AES-128-GCM-16, ESN always on, IV = 64-bit
    sequence number little-endian, nonce = salt || IV, AAD = SPI || seq_hi ||
    seq_lo, padding 1, 2, 3, ... to a multiple of 4, next header 4 or 41.
  * reconstruct_seq_hi: RFC 4303 appendix A2.

Run with /usr/bin/python3 (needs python3-cryptography).
"""

import hashlib
import hmac
import ipaddress
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# --------------------------------------------------------------------------
# Constants (PROTOCOL.md 2.1)

VERSION = 5
AEAD_NAME = b"aes-gcm-16-icv"
AEAD_FIELD = AEAD_NAME.ljust(32, b"\0")
NOISE_NAME = b"Noise_NNpsk0_25519_AESGCM_BLAKE2s"

TYPE_KNOCK = 11
TYPE_CHALLENGE = 12
TYPE_PROPOSAL = 13
TYPE_AGREEMENT = 14

HEADER_SIZE = 8
MESSAGE_SIZE = {
    TYPE_KNOCK: 4,
    TYPE_CHALLENGE: 68,
    TYPE_PROPOSAL: 80,
    TYPE_AGREEMENT: 80,
}
# PROTOCOL.md 2.3 says "Prologue (116 bytes)", but its own layout
# version(4) route_spi(4) addr[16] addr[16] aead[32] nonce[32] is 104 bytes,
# and the vectors' prologues are 104 bytes: the layout is what counts.
PROLOGUE_SIZE = 104
MIN_SPI = 256

# --------------------------------------------------------------------------
# Errors: the kinds named in PROTOCOL.md 2


class ExchangeError(Exception):
    """A key-exchange or ESP failure of a given kind.

    kind is one of: protocol, version, parameter, authentication,
    public-key, route.
    """

    KINDS = (
        "protocol",
        "version",
        "parameter",
        "authentication",
        "public-key",
        "route",
    )

    def __init__(self, kind, detail=""):
        assert kind in self.KINDS, kind
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


# --------------------------------------------------------------------------
# Hash, HMAC, HKDF (PROTOCOL.md 2.3)


def blake2s(data):
    return hashlib.blake2s(data, digest_size=32).digest()


def hmac_blake2s(key, message):
    """RFC 2104 HMAC over BLAKE2s-256 (block size 64 bytes)."""
    return hmac.new(key, message, hashlib.blake2s).digest()


def hkdf(chaining_key, ikm, length):
    """RFC 5869 with salt = chaining key, empty info; length <= 96 here."""
    prk = hmac_blake2s(chaining_key, ikm)
    out = b""
    block = b""
    counter = 1
    while len(out) < length:
        block = hmac_blake2s(prk, block + bytes([counter]))
        out += block
        counter += 1
    return out[:length]


def vita_split(chaining_key):
    """Split, DIFFERS from Noise: salt and input swapped, 40-byte output."""
    prk = hmac_blake2s(bytes(32), chaining_key)
    t1 = hmac_blake2s(prk, b"\x01")
    t2 = hmac_blake2s(prk, t1 + b"\x02")
    return t1 + t2[:8]


# --------------------------------------------------------------------------
# X25519


def x25519_public(private_key):
    key = X25519PrivateKey.from_private_bytes(private_key)
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def x25519(private_key, public_key):
    """DH; an all-zero result is a public-key error."""
    try:
        shared = X25519PrivateKey.from_private_bytes(private_key).exchange(
            X25519PublicKey.from_public_bytes(public_key)
        )
    except ValueError as error:  # OpenSSL refuses low-order points itself
        raise ExchangeError("public-key", "DH result is zero") from error
    if shared == bytes(32):
        raise ExchangeError("public-key", "DH result is zero")
    return shared


# --------------------------------------------------------------------------
# Noise symmetric state (PROTOCOL.md 2.3)


def noise_nonce(counter):
    return bytes(4) + struct.pack(">Q", counter)


class NoiseState:
    """SymmetricState of Noise_NNpsk0_25519_AESGCM_BLAKE2s (Vita variant)."""

    def __init__(self, prologue, psk):
        if len(psk) != 32:
            raise ValueError("psk must be 32 bytes")
        # The name is 33 bytes, longer than HASHLEN: it is hashed.
        self.h = blake2s(NOISE_NAME)
        self.ck = self.h
        self.k = None
        self.n = 0
        self.mix_hash(prologue)
        self.mix_key_and_hash(psk)

    def copy(self):
        other = NoiseState.__new__(NoiseState)
        other.h, other.ck, other.k, other.n = self.h, self.ck, self.k, self.n
        return other

    def mix_hash(self, data):
        self.h = blake2s(self.h + data)

    def mix_key(self, ikm):
        out = hkdf(self.ck, ikm, 64)
        self.ck, self.k, self.n = out[0:32], out[32:64], 0

    def mix_key_and_hash(self, ikm):
        out = hkdf(self.ck, ikm, 96)
        self.ck = out[0:32]
        self.mix_hash(out[32:64])
        self.k, self.n = out[64:96], 0

    def encrypt_and_hash(self, plaintext):
        ciphertext = AESGCM(self.k).encrypt(noise_nonce(self.n), plaintext, self.h)
        self.n += 1
        self.mix_hash(ciphertext)
        return ciphertext

    def decrypt_and_hash(self, ciphertext):
        try:
            plaintext = AESGCM(self.k).decrypt(
                noise_nonce(self.n), ciphertext, self.h
            )
        except InvalidTag as error:
            raise ExchangeError("authentication", "bad tag") from error
        self.n += 1
        self.mix_hash(ciphertext)
        return plaintext

    def split(self):
        return vita_split(self.ck)


# --------------------------------------------------------------------------
# Wire format (PROTOCOL.md 2.1)


def address_field(address):
    """16-byte prologue address field; IPv4 fills the first 4 bytes."""
    if isinstance(address, (bytes, bytearray)):
        packed = bytes(address)
        if len(packed) not in (4, 16):
            raise ValueError("address must be 4 or 16 bytes")
    else:
        packed = ipaddress.ip_address(address).packed
    return packed.ljust(16, b"\0")


def prologue(route_spi, initiator_address, responder_address, nonce):
    data = (
        struct.pack(">II", VERSION, route_spi)
        + address_field(initiator_address)
        + address_field(responder_address)
        + AEAD_FIELD
        + nonce
    )
    assert len(data) == PROLOGUE_SIZE
    return data


def transport_header(route_spi, message_type):
    return struct.pack(">IB3x", route_spi, message_type)


def encode(route_spi, message_type, message):
    assert len(message) == MESSAGE_SIZE[message_type]
    return transport_header(route_spi, message_type) + message


def decode(payload, route_spi):
    """Parses a UDP payload; returns (type, message) or raises ExchangeError."""
    if len(payload) < HEADER_SIZE:
        raise ExchangeError("protocol", "shorter than transport header")
    spi, message_type = struct.unpack(">IB", payload[:5])
    if payload[5:8] != bytes(3):
        raise ExchangeError("protocol", "reserved bytes not zero")
    if message_type not in MESSAGE_SIZE:
        raise ExchangeError("protocol", f"unknown message type {message_type}")
    message = payload[HEADER_SIZE:]
    if len(message) != MESSAGE_SIZE[message_type]:
        raise ExchangeError("protocol", "wrong message length")
    if spi != route_spi:
        raise ExchangeError("route", f"unknown route SPI {spi}")
    return message_type, message


def payload_plaintext(spi):
    return struct.pack(">I", spi) + bytes(28)


# --------------------------------------------------------------------------
# Security associations


@dataclass(frozen=True)
class SecurityAssociation:
    spi: int
    key: bytes  # 16 bytes, AES-128
    salt: bytes  # 4 bytes


@dataclass(frozen=True)
class ExchangeResult:
    inbound: SecurityAssociation
    outbound: SecurityAssociation


def _keying(material):
    return material[0:16], material[16:20]


# --------------------------------------------------------------------------
# Initiator and responder (PROTOCOL.md 2.2, 2.3)


class Route:
    """What one side knows about a route, from its own configuration.

    local: this side's identity (its nat-ip or public ip).
    remote: the route's gateway address as configured here.
    """

    def __init__(self, route_spi, psk, local, remote):
        if route_spi < MIN_SPI or route_spi > 0xFFFFFFFF:
            raise ValueError("route SPI must be in 256..2^32-1")
        if len(psk) != 32:
            raise ValueError("psk must be 32 bytes")
        self.route_spi = route_spi
        self.psk = bytes(psk)
        self.local = local
        self.remote = remote


def _random_secret():
    return os.urandom(32)


class Initiator:
    """idle --knock()--> wait_challenge --challenge--> wait_agreement
    --agreement--> idle (result in .result).

    ephemeral: callable returning a 32-byte X25519 private key per exchange
    (default: random). rx_spi: own inbound SPI sent in the proposal.
    """

    IDLE, WAIT_CHALLENGE, WAIT_AGREEMENT = "idle", "wait_challenge", "wait_agreement"

    def __init__(self, route, rx_spi, ephemeral=_random_secret):
        if rx_spi < MIN_SPI or rx_spi > 0xFFFFFFFF:
            raise ValueError("SPI must be in 256..2^32-1")
        self.route = route
        self.rx_spi = rx_spi
        self.ephemeral = ephemeral
        self.reset()

    def reset(self):
        self.state = self.IDLE
        self.noise = None
        self.e = None  # ephemeral private key
        self.result = None

    def knock(self):
        """Starts (or restarts) an exchange; returns the knock UDP payload."""
        self.reset()
        self.state = self.WAIT_CHALLENGE
        return encode(self.route.route_spi, TYPE_KNOCK, struct.pack(">I", VERSION))

    def receive(self, payload):
        """Handles a challenge or agreement.

        Returns the proposal payload (bytes) for a challenge, or an
        ExchangeResult for an agreement. Raises ExchangeError; on error the
        state is unchanged.
        """
        message_type, message = decode(payload, self.route.route_spi)
        if message_type == TYPE_CHALLENGE and self.state == self.WAIT_CHALLENGE:
            return self._on_challenge(message)
        if message_type == TYPE_AGREEMENT and self.state == self.WAIT_AGREEMENT:
            return self._on_agreement(message)
        raise ExchangeError("protocol", f"type {message_type} in state {self.state}")

    def _on_challenge(self, message):
        (version,) = struct.unpack(">I", message[0:4])
        if version != VERSION:
            raise ExchangeError("version", f"version {version}")
        if message[4:36] != AEAD_FIELD:
            raise ExchangeError("parameter", "aead differs")
        nonce = message[36:68]
        noise = NoiseState(
            prologue(self.route.route_spi, self.route.local, self.route.remote, nonce),
            self.route.psk,
        )
        e = self.ephemeral()
        e_pub = x25519_public(e)
        noise.mix_hash(e_pub)
        noise.mix_key(e_pub)
        sealed = noise.encrypt_and_hash(payload_plaintext(self.rx_spi))
        self.noise, self.e, self.state = noise, e, self.WAIT_AGREEMENT
        return encode(self.route.route_spi, TYPE_PROPOSAL, e_pub + sealed)

    def _on_agreement(self, message):
        noise = self.noise.copy()  # roll back on any failure
        re = message[0:32]
        noise.mix_hash(re)
        noise.mix_key(re)
        noise.mix_key(x25519(self.e, re))
        plaintext = noise.decrypt_and_hash(message[32:80])
        (tx_spi,) = struct.unpack(">I", plaintext[0:4])
        out = noise.split()
        inbound, outbound = _keying(out[0:20]), _keying(out[20:40])
        result = ExchangeResult(
            inbound=SecurityAssociation(self.rx_spi, *inbound),
            outbound=SecurityAssociation(tx_spi, *outbound),
        )
        self.reset()  # wipes ephemeral secrets and handshake state
        self.result = result
        return result


class Responder:
    """Answers knocks with challenges; a valid proposal yields an agreement
    and an ExchangeResult, after which the nonce and ephemeral key change.

    ephemeral: callable returning a 32-byte X25519 private key per exchange.
    nonce: callable returning the 32-byte nonce per exchange.
    """

    def __init__(self, route, rx_spi, ephemeral=_random_secret, nonce=_random_secret):
        if rx_spi < MIN_SPI or rx_spi > 0xFFFFFFFF:
            raise ValueError("SPI must be in 256..2^32-1")
        self.route = route
        self.rx_spi = rx_spi
        self.ephemeral = ephemeral
        self.make_nonce = nonce
        self.reset()

    def reset(self):
        self.nonce = self.make_nonce()
        self.e = self.ephemeral()

    def receive(self, payload):
        """Returns the challenge payload for a knock, or (agreement payload,
        ExchangeResult) for a proposal. Raises ExchangeError; on error the
        state is unchanged."""
        message_type, message = decode(payload, self.route.route_spi)
        if message_type == TYPE_KNOCK:
            (version,) = struct.unpack(">I", message)
            if version != VERSION:
                raise ExchangeError("version", f"version {version}")
            return encode(
                self.route.route_spi,
                TYPE_CHALLENGE,
                struct.pack(">I", VERSION) + AEAD_FIELD + self.nonce,
            )
        if message_type == TYPE_PROPOSAL:
            return self._on_proposal(message)
        raise ExchangeError("protocol", f"type {message_type} at responder")

    def _on_proposal(self, message):
        # The responder's prologue: initiator = the peer (remote),
        # responder = this side (local).
        noise = NoiseState(
            prologue(self.route.route_spi, self.route.remote, self.route.local, self.nonce),
            self.route.psk,
        )
        re = message[0:32]
        noise.mix_hash(re)
        noise.mix_key(re)
        plaintext = noise.decrypt_and_hash(message[32:80])
        q = x25519(self.e, re)
        e_pub = x25519_public(self.e)
        noise.mix_hash(e_pub)
        noise.mix_key(e_pub)
        noise.mix_key(q)
        (tx_spi,) = struct.unpack(">I", plaintext[0:4])
        sealed = noise.encrypt_and_hash(payload_plaintext(self.rx_spi))
        out = noise.split()
        outbound, inbound = _keying(out[0:20]), _keying(out[20:40])
        result = ExchangeResult(
            inbound=SecurityAssociation(self.rx_spi, *inbound),
            outbound=SecurityAssociation(tx_spi, *outbound),
        )
        agreement = encode(self.route.route_spi, TYPE_AGREEMENT, e_pub + sealed)
        self.reset()  # new nonce and ephemeral; old secrets dropped
        return agreement, result


# --------------------------------------------------------------------------
# ESP (PROTOCOL.md 1)

ESP_HEADER_SIZE = 8
ESP_IV_SIZE = 8
ESP_ICV_SIZE = 16
NEXT_HEADER_IPV4 = 4
NEXT_HEADER_IPV6 = 41


def _esp_aead(sa):
    if len(sa.key) != 16 or len(sa.salt) != 4:
        raise ValueError("ESP SA needs a 16-byte key and a 4-byte salt")
    return AESGCM(sa.key)


def esp_encrypt(sa, seq, next_header, inner):
    """Returns the ESP payload (SPI .. ICV) for the 64-bit sequence number."""
    if next_header not in (NEXT_HEADER_IPV4, NEXT_HEADER_IPV6):
        raise ValueError("next header must be 4 or 41")
    if not 0 < seq < 1 << 64:
        raise ValueError("sequence number out of range")
    seq_hi, seq_lo = seq >> 32, seq & 0xFFFFFFFF
    iv = struct.pack("<Q", seq)  # Vita: sequence number, little-endian
    pad_length = (-(len(inner) + 2)) % 4
    plaintext = (
        bytes(inner)
        + bytes(range(1, pad_length + 1))
        + bytes([pad_length, next_header])
    )
    aad = struct.pack(">III", sa.spi, seq_hi, seq_lo)
    sealed = _esp_aead(sa).encrypt(sa.salt + iv, plaintext, aad)
    return struct.pack(">II", sa.spi, seq_lo) + iv + sealed


def esp_decrypt(sa, seq_hi, packet):
    """Returns (inner, next_header). Raises ExchangeError('authentication')
    for a bad ICV, ExchangeError('protocol') for a malformed packet."""
    if len(packet) < ESP_HEADER_SIZE + ESP_IV_SIZE + 2 + ESP_ICV_SIZE:
        raise ExchangeError("protocol", "ESP packet too short")
    spi, seq_lo = struct.unpack(">II", packet[0:8])
    if spi != sa.spi:
        raise ExchangeError("route", f"unknown SPI {spi}")
    iv = packet[8:16]  # used exactly as carried
    aad = struct.pack(">III", spi, seq_hi, seq_lo)
    try:
        plaintext = _esp_aead(sa).decrypt(sa.salt + iv, packet[16:], aad)
    except InvalidTag as error:
        raise ExchangeError("authentication", "bad ICV") from error
    pad_length, next_header = plaintext[-2], plaintext[-1]
    if pad_length + 2 > len(plaintext):
        raise ExchangeError("protocol", "pad length exceeds plaintext")
    if next_header not in (NEXT_HEADER_IPV4, NEXT_HEADER_IPV6):
        raise ExchangeError("protocol", f"next header {next_header}")
    return plaintext[: len(plaintext) - 2 - pad_length], next_header


def reconstruct_seq_hi(top, seq_lo, window=128):
    """RFC 4303 appendix A2: high 32 bits for a received low half.

    top: highest authenticated 64-bit sequence number (0 if none).
    Where the RFC's case B would give Th - 1 below zero, returns 0 (the
    packet then fails authentication or the replay check).
    """
    tl, th = top & 0xFFFFFFFF, top >> 32
    bottom = (tl - window + 1) & 0xFFFFFFFF
    if tl >= window - 1:  # case A: window within one sub-space
        return th if seq_lo >= bottom else th + 1
    # case B: window spans two sub-spaces
    if seq_lo >= bottom:
        return th - 1 if th > 0 else 0
    return th
