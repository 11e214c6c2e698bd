#!/usr/bin/python3
"""vita-ske v5 / ESP peer as a line-oriented co-process (for C++ tests).

An independent peer (vita_ske.py, written from PROTOCOL.md only) that a test
drives over stdin/stdout, shuttling UDP payloads between it and the gateway.
It does no networking itself.

Protocol: one command per line on stdin; exactly one response line per
command on stdout, flushed. Tokens are separated by spaces; arguments are
key=value, in any order; numbers are decimal (or 0x-prefixed hex); HEX is
hex bytes (either case on input, lowercase on output). Nothing ever crashes
the process: a malformed command answers `error usage <reason>`. End of
input or `quit` ends the process (exit status 0).

  config role=initiator|responder|both route_spi=N psk=HEX32 local=IP remote=IP
         [rx_spi=N] [responder_rx_spi=N] [seed=N] [ephemeral=HEX32] [nonce=HEX32]
      -> ok
      Sets up the route (replacing any previous one; all state is reset).
      local = this peer's identity (the initiator_address of the prologue
      when it initiates), remote = the gateway's address (as the gateway
      identifies itself). rx_spi = own inbound SPI put in the proposal /
      agreement (default: drawn from the RNG, >= 256). With role=both the
      initiator uses rx_spi and the responder responder_rx_spi (default
      rx_spi + 1). seed = deterministic RNG for ephemeral keys, responder
      nonces and default SPIs (default: os.urandom). ephemeral / nonce fix
      every ephemeral private key / every responder nonce (reproduce vectors).

  knock                         (initiator; restarts the exchange)
      -> send HEX               HEX = UDP payload (transport header + knock)

  recv HEX                      HEX = UDP payload received from the gateway
      knock (responder)     -> send HEX            (challenge)
      challenge (initiator) -> send HEX            (proposal)
      proposal (responder)  -> send HEX sa ...     (agreement, then the SAs;
                                                    one line)
      agreement (initiator) -> sa ...
      failure               -> error KIND
      where `sa ...` is
        sa inbound_spi=N inbound_key=HEX16 inbound_salt=HEX4
           outbound_spi=N outbound_key=HEX16 outbound_salt=HEX4
      and KIND is protocol | version | parameter | authentication |
      public-key | route (PROTOCOL.md 2). With role=both, knock and proposal
      go to the responder, everything else to the initiator. A failed
      message changes no state.

  reset                         -> ok    (initiator idle; responder gets a
                                          new nonce and ephemeral key)

  esp-encrypt spi=N key=HEX16 salt=HEX4 seq=N next=4|41 inner=HEX
      -> esp HEX                ESP payload (SPI .. ICV), IV = seq LE
  esp-decrypt spi=N key=HEX16 salt=HEX4 seq_hi=N esp=HEX
      -> inner HEX next=N
       | error authentication   (bad ICV)
       | error protocol         (malformed, pad length or next header)
       | error route            (SPI of the packet differs from spi=)

  seq-hi top=N seq_lo=N [window=N]      (RFC 4303 A2, window default 128)
      -> seq_hi N

  quit                          -> ok    (then exits)

Example (this peer as responder, gateway initiates):
  > config role=responder route_spi=1001 psk=00..ff local=10.70.0.1 remote=10.70.0.2 rx_spi=256
  < ok
  > recv 000003e90b00000000000005
  < send 000003e90c0000000000000561...
  > recv 000003e90d000000...
  < send 000003e90e000000... sa inbound_spi=256 inbound_key=... outbound_spi=4242 ...
"""

import ipaddress
import os
import random
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vita_ske as ske  # noqa: E402


class UsageError(Exception):
    pass


def parse_arguments(tokens, required, optional=()):
    arguments = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep or not key:
            raise UsageError(f"expected key=value, got {token!r}")
        if key not in required and key not in optional:
            raise UsageError(f"unknown argument {key!r}")
        if key in arguments:
            raise UsageError(f"duplicate argument {key!r}")
        arguments[key] = value
    missing = [key for key in required if key not in arguments]
    if missing:
        raise UsageError("missing " + ",".join(missing))
    return arguments


def number(arguments, key, low, high):
    text = arguments[key]
    try:
        value = int(text[2:], 16) if text.lower().startswith("0x") else int(text, 10)
    except ValueError:
        raise UsageError(f"{key} is not a number: {text!r}") from None
    if not low <= value <= high:
        raise UsageError(f"{key} out of range {low}..{high}")
    return value


def hex_bytes(arguments, key, size=None):
    try:
        value = bytes.fromhex(arguments[key])
    except ValueError:
        raise UsageError(f"{key} is not hex") from None
    if size is not None and len(value) != size:
        raise UsageError(f"{key} must be {size} bytes")
    return value


def address(arguments, key):
    try:
        return ipaddress.ip_address(arguments[key]).packed
    except ValueError:
        raise UsageError(f"{key} is not an IP address") from None


def sa_text(result):
    inbound, outbound = result.inbound, result.outbound
    return (
        f"sa inbound_spi={inbound.spi} inbound_key={inbound.key.hex()} "
        f"inbound_salt={inbound.salt.hex()} outbound_spi={outbound.spi} "
        f"outbound_key={outbound.key.hex()} outbound_salt={outbound.salt.hex()}"
    )


SPI_MAX = 0xFFFFFFFF


class Peer:
    def __init__(self):
        self.initiator = None
        self.responder = None

    # -- key exchange -----------------------------------------------------

    def config(self, tokens):
        a = parse_arguments(
            tokens,
            ("role", "route_spi", "psk", "local", "remote"),
            ("rx_spi", "responder_rx_spi", "seed", "ephemeral", "nonce"),
        )
        role = a["role"]
        if role not in ("initiator", "responder", "both"):
            raise UsageError("role must be initiator, responder or both")
        route_spi = number(a, "route_spi", ske.MIN_SPI, SPI_MAX)
        psk = hex_bytes(a, "psk", 32)
        local, remote = address(a, "local"), address(a, "remote")
        if "seed" in a:
            rng = random.Random(number(a, "seed", 0, 2**64 - 1))
            secret = lambda: rng.randbytes(32)  # noqa: E731
        else:
            rng = random.SystemRandom()
            secret = lambda: os.urandom(32)  # noqa: E731
        ephemeral = secret
        if "ephemeral" in a:
            fixed_e = hex_bytes(a, "ephemeral", 32)
            ephemeral = lambda: fixed_e  # noqa: E731
        nonce = secret
        if "nonce" in a:
            fixed_nonce = hex_bytes(a, "nonce", 32)
            nonce = lambda: fixed_nonce  # noqa: E731
        if "rx_spi" in a:
            rx_spi = number(a, "rx_spi", ske.MIN_SPI, SPI_MAX)
        else:
            rx_spi = rng.randint(ske.MIN_SPI, SPI_MAX - 1)
        if "responder_rx_spi" in a:
            responder_rx_spi = number(a, "responder_rx_spi", ske.MIN_SPI, SPI_MAX)
        elif role == "both":
            responder_rx_spi = rx_spi + 1 if rx_spi < SPI_MAX else ske.MIN_SPI
        else:
            responder_rx_spi = rx_spi
        route = ske.Route(route_spi, psk, local, remote)
        self.initiator = self.responder = None
        if role in ("initiator", "both"):
            self.initiator = ske.Initiator(route, rx_spi, ephemeral=ephemeral)
        if role in ("responder", "both"):
            self.responder = ske.Responder(
                route, responder_rx_spi, ephemeral=ephemeral, nonce=nonce
            )
        return "ok"

    def knock(self, tokens):
        parse_arguments(tokens, ())
        if self.initiator is None:
            raise UsageError("not configured as initiator")
        return "send " + self.initiator.knock().hex()

    def recv(self, tokens):
        if len(tokens) != 1:
            raise UsageError("recv takes one HEX payload")
        try:
            payload = bytes.fromhex(tokens[0])
        except ValueError:
            raise UsageError("payload is not hex") from None
        if self.initiator is None and self.responder is None:
            raise UsageError("not configured")
        to_responder = len(payload) > 4 and payload[4] in (
            ske.TYPE_KNOCK,
            ske.TYPE_PROPOSAL,
        )
        if self.responder is not None and (to_responder or self.initiator is None):
            answer = self.responder.receive(payload)
            if isinstance(answer, tuple):
                agreement, result = answer
                return f"send {agreement.hex()} {sa_text(result)}"
            return "send " + answer.hex()
        answer = self.initiator.receive(payload)
        if isinstance(answer, ske.ExchangeResult):
            return sa_text(answer)
        return "send " + answer.hex()

    def reset(self, tokens):
        parse_arguments(tokens, ())
        if self.initiator is None and self.responder is None:
            raise UsageError("not configured")
        for side in (self.initiator, self.responder):
            if side is not None:
                side.reset()
        return "ok"

    # -- ESP --------------------------------------------------------------

    @staticmethod
    def security_association(a):
        return ske.SecurityAssociation(
            number(a, "spi", ske.MIN_SPI, SPI_MAX),
            hex_bytes(a, "key", 16),
            hex_bytes(a, "salt", 4),
        )

    def esp_encrypt(self, tokens):
        a = parse_arguments(tokens, ("spi", "key", "salt", "seq", "next", "inner"))
        sa = self.security_association(a)
        seq = number(a, "seq", 1, 2**64 - 1)
        next_header = number(a, "next", 0, 255)
        if next_header not in (ske.NEXT_HEADER_IPV4, ske.NEXT_HEADER_IPV6):
            raise UsageError("next must be 4 or 41")
        packet = ske.esp_encrypt(sa, seq, next_header, hex_bytes(a, "inner"))
        return "esp " + packet.hex()

    def esp_decrypt(self, tokens):
        a = parse_arguments(tokens, ("spi", "key", "salt", "seq_hi", "esp"))
        sa = self.security_association(a)
        seq_hi = number(a, "seq_hi", 0, SPI_MAX)
        inner, next_header = ske.esp_decrypt(sa, seq_hi, hex_bytes(a, "esp"))
        return f"inner {inner.hex()} next={next_header}"

    def seq_hi(self, tokens):
        a = parse_arguments(tokens, ("top", "seq_lo"), ("window",))
        top = number(a, "top", 0, 2**64 - 1)
        seq_lo = number(a, "seq_lo", 0, SPI_MAX)
        window = number(a, "window", 1, 2**31) if "window" in a else 128
        return f"seq_hi {ske.reconstruct_seq_hi(top, seq_lo, window)}"

    COMMANDS = {
        "config": config,
        "knock": knock,
        "recv": recv,
        "reset": reset,
        "esp-encrypt": esp_encrypt,
        "esp-decrypt": esp_decrypt,
        "seq-hi": seq_hi,
    }

    def handle(self, line):
        tokens = line.split()
        if not tokens:
            return "error usage empty command"
        command = self.COMMANDS.get(tokens[0])
        if command is None:
            return f"error usage unknown command {tokens[0]!r}"
        try:
            return command(self, tokens[1:])
        except UsageError as error:
            return f"error usage {error}"
        except ske.ExchangeError as error:
            return f"error {error.kind}"
        except Exception as error:  # never crash the co-process
            text = " ".join(str(error).split()) or type(error).__name__
            return f"error usage {text}"


def main():
    peer = Peer()
    for line in sys.stdin:
        if line.split()[:1] == ["quit"]:
            print("ok", flush=True)
            break
        print(peer.handle(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
