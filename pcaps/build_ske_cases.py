#!/usr/bin/python3
"""Writes the key-exchange conformance cases conformance/cases/ske-*/
(conformance/FORMAT.md), from shared/spec/PROTOCOL.md section 2.

    /usr/bin/python3 pcaps/build_ske_cases.py [--gateway build/strait] [--only NAME...]

Malformed and out-of-state messages need only the spec. Complete exchanges
(and the cases whose messages depend on the gateway's nonce, ephemeral key
or SPIs) are recorded in several passes of `strait replay --seed N`
(conformance/lib/ske_exchange.py): the Python peer (conformance/vita_ske.py)
reads the gateway's answer from public-out.pcap and computes its next
message. Regenerating gives identical bytes (same binary, same seed).

The `counters` files are the spec's expectations, written by hand here.
Every case's gateway knocks when its clock starts (it has no outbound SA):
that knock is in public-out and in negotiations-initiated. Where a peer's
message must arrive after that knock (challenges, agreements), the case
starts with an echo request (answered: one more frame in public-out) and
sends the message 0.5 s later.
"""

import argparse
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "conformance", "lib"))

import casekit  # noqa: E402
import ske_exchange as sx  # noqa: E402
from ske_exchange import vita_ske  # noqa: E402

ERROR_COUNTERS = ("rxerrors", "route-errors", "protocol-errors", "version-errors",
                  "parameter-errors", "authentication-errors", "public-key-errors")


def km(**values):
    """key-manager counter lines; keyword names with _ for -."""
    return [f"key-manager/{k.replace('_', '-')} {v}" for k, v in values.items()]


def errors(**nonzero):
    """All seven key-manager error counters: the named ones as given, the
    others 0 (a malformed message is counted once, as its kind)."""
    values = {name: 0 for name in ERROR_COUNTERS}
    for k, v in nonzero.items():
        values[k.replace("_", "-")] = v
    return [f"key-manager/{k} {v}" for k, v in values.items()]


def frames(public, private=0):
    return [f"frames public-out {public}", f"frames private-out {private}"]


V4 = sx.Topology(4)
V6 = sx.Topology(6)
SPI = V4.route_spi


def header(message_type, route_spi=SPI, reserved=b"\0\0\0"):
    return struct.pack(">IB", route_spi, message_type) + reserved


def knock(version=5, route_spi=SPI):
    return header(sx.KNOCK, route_spi) + struct.pack(">I", version)


def challenge(version=5, aead=vita_ske.AEAD_FIELD, nonce=None):
    nonce = nonce if nonce is not None else sx.secret("fixed peer nonce")
    return header(sx.CHALLENGE) + struct.pack(">I", version) + aead + nonce


def opaque(message_type, size=80, label="opaque"):
    """A proposal / agreement shaped message of arbitrary content."""
    body = (sx.secret(label + " ne") + sx.secret(label + " payload")
            + sx.secret(label + " tag")[:16])
    body = (body + bytes(size))[:size]
    return header(message_type) + body


CASES = {}


def case(name):
    def register(function):
        CASES[name] = function
        return function
    return register


# --------------------------------------------------------------------------
# Malformed messages at the gateway's responder (the peer's message is the
# first frame: it arrives when the gateway starts and knocks itself).


def responder_malformed(description, messages, counters, until=2, topo=V4):
    public_in = []
    for time, payload, kwargs in messages:
        public_in.append((time, sx.ske_frame(topo, payload, **kwargs)))
    return dict(config=topo.config(), public_in=public_in, options=f"--seed 1 --until {until}",
                counters=counters, description=description)


@case("ske-knock-short")
def _(ctx):
    return responder_malformed(
        "knock of 3 bytes instead of 4 (wrong length for its type): protocol error, no challenge",
        [(0.0, knock()[:-1], {})],
        errors(protocol_errors=1) + km(challenges_offered=0, negotiations_initiated=1)
        + frames(1))


@case("ske-knock-long")
def _(ctx):
    return responder_malformed(
        "knock of 5 bytes instead of 4 (wrong length for its type): protocol error, no challenge",
        [(0.0, knock() + b"\0", {})],
        errors(protocol_errors=1) + km(challenges_offered=0, negotiations_initiated=1)
        + frames(1))


@case("ske-proposal-short")
def _(ctx):
    return responder_malformed(
        "knock, then a proposal of 79 bytes instead of 80: protocol error, no agreement",
        [(0.0, knock(), {}), (0.5, opaque(sx.PROPOSAL, 79), {})],
        errors(protocol_errors=1) + km(challenges_offered=1, keypairs_offered=0)
        + frames(2))


@case("ske-proposal-long")
def _(ctx):
    return responder_malformed(
        "knock, then a proposal of 81 bytes instead of 80: protocol error, no agreement",
        [(0.0, knock(), {}), (0.5, opaque(sx.PROPOSAL, 81), {})],
        errors(protocol_errors=1) + km(challenges_offered=1, keypairs_offered=0)
        + frames(2))


@case("ske-unknown-type")
def _(ctx):
    return responder_malformed(
        "messages of unknown types 0 (4 bytes) and 15 (80 bytes): two protocol errors, no answer",
        [(0.0, header(0) + struct.pack(">I", 5), {}), (0.5, opaque(15, 80), {})],
        errors(protocol_errors=2) + km(challenges_offered=0, keypairs_offered=0) + frames(1))


@case("ske-knock-version")
def _(ctx):
    return responder_malformed(
        "knock with version 4 (not 5): version error, no challenge",
        [(0.0, knock(version=4), {})],
        errors(version_errors=1) + km(challenges_offered=0) + frames(1))


@case("ske-bad-udp-checksum")
def _(ctx):
    return responder_malformed(
        "a valid knock whose UDP checksum is wrong: protocol error, no challenge",
        [(0.0, knock(), {"bad_checksum": True})],
        errors(protocol_errors=1) + km(challenges_offered=0) + frames(1))


@case("ske-udp-length-mismatch")
def _(ctx):
    return responder_malformed(
        "valid knocks whose UDP length field is 4 more / 2 less than the datagram: "
        "two protocol errors, no challenge",
        [(0.0, knock(), {"length_delta": 4}), (0.5, knock(), {"length_delta": -2})],
        errors(protocol_errors=2) + km(challenges_offered=0) + frames(1))


@case("ske-unknown-route-spi")
def _(ctx):
    return responder_malformed(
        "knock for route SPI 1002 (the route's is 1001): route error, no challenge",
        [(0.0, knock(route_spi=1002), {})],
        errors(route_errors=1) + km(challenges_offered=0) + frames(1))


@case("ske-wrong-source")
def _(ctx):
    return responder_malformed(
        "a valid knock for the route sent from 198.51.100.99, not the route's gateway "
        "198.51.100.2: refused (counted as a protocol error), no challenge",
        [(0.0, knock(), {"src": V4.stranger_ip})],
        # PROTOCOL.md 2.1: messages go between the queue's address and the
        # route's gateway address; it names no counter for another source.
        # Expected here: no answer, one protocol error.
        errors(protocol_errors=1) + km(challenges_offered=0) + frames(1))


@case("ske-knock-v6-short")
def _(ctx):
    return responder_malformed(
        "IPv6: knock of 3 bytes instead of 4: protocol error, no challenge",
        [(0.0, knock()[:-1], {})],
        errors(protocol_errors=1) + km(challenges_offered=0, negotiations_initiated=1)
        + frames(1), topo=V6)


# --------------------------------------------------------------------------
# Malformed / out-of-state messages at the gateway's initiator (a ping
# starts the clock; the gateway knocks then; messages follow at +0.5 s).


def initiator_inputs(topo, messages):
    public_in = [(0.0, sx.ping_frame(topo))]
    for time, payload in messages:
        public_in.append((time, sx.ske_frame(topo, payload)))
    return public_in


def initiator_malformed(description, messages, counters, until=2, topo=V4):
    return dict(config=topo.config(), public_in=initiator_inputs(topo, messages),
                options=f"--seed 1 --until {until}", counters=counters, description=description)


@case("ske-challenge-short")
def _(ctx):
    return initiator_malformed(
        "the gateway knocks; a challenge of 67 bytes instead of 68: protocol error, no proposal",
        [(0.5, challenge()[:-1])],
        errors(protocol_errors=1) + km(negotiations_initiated=1, challenges_accepted=0)
        + frames(2))


@case("ske-challenge-long")
def _(ctx):
    return initiator_malformed(
        "the gateway knocks; a challenge of 69 bytes instead of 68: protocol error, no proposal",
        [(0.5, challenge() + b"\x5a")],
        errors(protocol_errors=1) + km(negotiations_initiated=1, challenges_accepted=0)
        + frames(2))


@case("ske-challenge-version")
def _(ctx):
    return initiator_malformed(
        "the gateway knocks; a challenge with version 6: version error, no proposal",
        [(0.5, challenge(version=6))],
        errors(version_errors=1) + km(challenges_accepted=0) + frames(2))


@case("ske-challenge-aead")
def _(ctx):
    return initiator_malformed(
        "the gateway knocks; a challenge offering aead aes-gcm-8-icv: parameter error, "
        "no proposal",
        [(0.5, challenge(aead=b"aes-gcm-8-icv".ljust(32, b"\0")))],
        errors(parameter_errors=1) + km(challenges_accepted=0) + frames(2))


@case("ske-agreement-unexpected")
def _(ctx):
    return initiator_malformed(
        "the gateway knocks; an agreement arrives while it waits for a challenge: "
        "protocol error (unexpected in that state), nothing changes",
        [(0.5, opaque(sx.AGREEMENT, 80))],
        errors(protocol_errors=1) + km(challenges_accepted=0, keypairs_negotiated=0)
        + frames(2))


@case("ske-agreement-short")
def _(ctx):
    return initiator_malformed(
        "the gateway knocks, accepts a challenge and proposes; an agreement of 79 bytes: "
        "protocol error, no SA",
        [(0.5, challenge()), (1.0, opaque(sx.AGREEMENT, 79))],
        errors(protocol_errors=1) + km(challenges_accepted=1, keypairs_negotiated=0)
        + frames(3))


@case("ske-agreement-long")
def _(ctx):
    return initiator_malformed(
        "the gateway knocks, accepts a challenge and proposes; an agreement of 81 bytes: "
        "protocol error, no SA",
        [(0.5, challenge()), (1.0, opaque(sx.AGREEMENT, 81))],
        errors(protocol_errors=1) + km(challenges_accepted=1, keypairs_negotiated=0)
        + frames(3))


@case("ske-challenge-unexpected")
def _(ctx):
    return initiator_malformed(
        "the gateway accepts a challenge and proposes; a second challenge arrives while it "
        "waits for the agreement: protocol error, no second proposal",
        [(0.5, challenge()), (1.0, challenge(nonce=sx.secret("another nonce")))],
        errors(protocol_errors=1) + km(challenges_accepted=1, keypairs_negotiated=0)
        + frames(3))


@case("ske-agreement-zero-key")
def _(ctx):
    # The initiator computes DH(e, re) before decrypting: ne = 0 gives an
    # all-zero DH result whatever the rest of the message.
    message = header(sx.AGREEMENT) + bytes(32) + sx.secret("zero agreement")
    message += sx.secret("zero agreement tag")[:16]
    return initiator_malformed(
        "the gateway accepts a challenge and proposes; the agreement's ephemeral key is zero "
        "(DH result all zero): public-key error, no SA",
        [(0.5, challenge()), (1.0, message)],
        errors(public_key_errors=1) + km(challenges_accepted=1, keypairs_negotiated=0)
        + frames(3))


@case("ske-challenge-v6-version")
def _(ctx):
    return initiator_malformed(
        "IPv6: the gateway knocks; a challenge with version 4: version error, no proposal",
        [(0.5, challenge(version=4))],
        errors(version_errors=1) + km(challenges_accepted=0) + frames(2), topo=V6)


# --------------------------------------------------------------------------
# Multi-pass: messages that depend on the gateway's answers.


def responder_first_passes(ctx, name, topo=V4, options="--seed 1 --until 2"):
    """Pass 1 (the peer knocks); returns (recorder, initiator, challenge)."""
    rec = sx.Recorder(ctx.gateway, ctx.workdir(name), topo, options)
    initiator = vita_ske.Initiator(topo.peer_route(), sx.peer_rx_spi(topo, "responder"),
                                   ephemeral=lambda: sx.secret(f"initiator e v{topo.family}"))
    rec.send(0.0, sx.ske_frame(topo, initiator.knock()))
    result = rec.run()
    _, chal = rec.answer(result, sx.CHALLENGE, 0.0)
    return rec, initiator, chal


def finish(rec, **kwargs):
    rec.run()  # the final inputs once more: the answers must not change
    d = dict(config=rec.config, public_in=list(rec.public_in),
             private_in=list(rec.private_in) or None, options=rec.options)
    d.update(kwargs)
    return d


@case("ske-proposal-wrong-psk")
def _(ctx):
    rec, _, chal = responder_first_passes(ctx, "ske-proposal-wrong-psk")
    wrong = vita_ske.Initiator(V4.peer_route(psk=bytes(32)), sx.peer_rx_spi(V4, "responder"),
                               ephemeral=lambda: sx.secret("initiator e v4"))
    wrong.knock()
    rec.send(0.5, sx.ske_frame(V4, wrong.receive(chal)))
    return finish(rec, description=(
        "knock, challenge, then a proposal made with another pre-shared key: authentication "
        "error, no agreement, no SA"),
        counters=errors(authentication_errors=1) + km(challenges_offered=1, keypairs_offered=0)
        + frames(2))


def zero_key_proposal(topo, nonce, ne):
    """A proposal whose ephemeral key is `ne` (a point of small order), with
    a valid tag: it passes DecryptAndHash, then DH gives zero."""
    noise = vita_ske.NoiseState(
        vita_ske.prologue(topo.route_spi, topo.peer_ip, topo.public_ip, nonce), topo.psk)
    noise.mix_hash(ne)
    noise.mix_key(ne)
    sealed = noise.encrypt_and_hash(vita_ske.payload_plaintext(sx.peer_rx_spi(topo, "responder")))
    return vita_ske.encode(topo.route_spi, vita_ske.TYPE_PROPOSAL, ne + sealed)


@case("ske-proposal-zero-key")
def _(ctx):
    rec, _, chal = responder_first_passes(ctx, "ske-proposal-zero-key")
    rec.send(0.5, sx.ske_frame(V4, zero_key_proposal(V4, chal[8 + 36:8 + 68], bytes(32))))
    return finish(rec, description=(
        "knock, challenge, then an authentic proposal whose ephemeral key is zero (DH result "
        "all zero): public-key error, no agreement"),
        counters=errors(public_key_errors=1) + km(challenges_offered=1, keypairs_offered=0)
        + frames(2))


@case("ske-proposal-low-order-key")
def _(ctx):
    rec, _, chal = responder_first_passes(ctx, "ske-proposal-low-order-key")
    one = (1).to_bytes(32, "little")  # u = 1: order 4 on Curve25519, DH result zero
    rec.send(0.5, sx.ske_frame(V4, zero_key_proposal(V4, chal[8 + 36:8 + 68], one)))
    return finish(rec, description=(
        "knock, challenge, then an authentic proposal whose ephemeral key is the low-order "
        "point u=1 (DH result all zero): public-key error, no agreement"),
        counters=errors(public_key_errors=1) + km(challenges_offered=1, keypairs_offered=0)
        + frames(2))


@case("ske-knock-repeated")
def _(ctx):
    topo = V4
    initiator = vita_ske.Initiator(topo.peer_route(), 300)
    public_in = [(0.0, sx.ske_frame(topo, initiator.knock())),
                 (0.5, sx.ske_frame(topo, initiator.knock())),
                 (1.0, sx.ske_frame(topo, initiator.knock()))]
    return dict(config=topo.config(), public_in=public_in, options="--seed 1 --until 2",
                description=("three knocks: three challenges, all with the same nonce (the "
                             "knock/challenge step changes no responder state)"),
                counters=errors() + km(challenges_offered=3, keypairs_offered=0) + frames(4))


@case("ske-knock-flood")
def _(ctx):
    # PROTOCOL.md 2.4: inbound key-exchange messages are processed at most
    # 100 per second; the rest are dropped and counted (the spec names no
    # counter: key-manager rxerrors, the key manager's receive errors).
    public_in = [(0.0, sx.ske_frame(V4, knock()))] * 120
    return dict(config=V4.config(), public_in=public_in, options="--seed 1 --until 0.5",
                description=("120 valid knocks in the same instant: at most 100 are processed "
                             "(100 challenges), the other 20 are dropped and counted"),
                counters=errors(rxerrors=20) + km(challenges_offered=100) + frames(101))


@case("ske-proposal-unexpected")
def _(ctx):
    # PROTOCOL.md 2.2: "messages that arrive in a state that does not
    # expect them are protocol errors and change nothing". The spec also
    # says the knock/challenge step changes no responder state, which could
    # be read as a responder always ready for a proposal against a
    # persistent nonce (then this would fail authentication instead). The
    # gateway holds a nonce only between a knock and the end of that
    # exchange (no state without a knock), so a proposal with no knock
    # before it is unexpected: a protocol error. On the wire both readings
    # are the same: no agreement.
    return responder_malformed(
        "a proposal without a knock (made up, no challenge seen): unexpected in the "
        "responder's state, a protocol error; no agreement",
        [(0.0, opaque(sx.PROPOSAL, 80), {})],
        errors(protocol_errors=1) + km(challenges_offered=0, keypairs_offered=0)
        + frames(1))


# --------------------------------------------------------------------------
# Complete exchanges, ESP both ways.


def exchange_counters(ex, topo, role, extra=()):
    gw_spi = ex.gateway_rx_spi
    peer_spi = ex.peer_sas.inbound.spi
    lines = ["# the peer's SPI " + str(peer_spi) + " is its own choice; the gateway chose "
             + str(gw_spi) + " (seed 1)"]
    lines += errors()
    if role == "responder":
        lines += km(negotiations_initiated=1, challenges_offered=1, keypairs_offered=1,
                    challenges_accepted=0, keypairs_negotiated=0)
        public = 4  # the gateway's knock, challenge, agreement, ESP
    else:
        lines += km(negotiations_initiated=1, challenges_offered=0, keypairs_offered=0,
                    challenges_accepted=1, keypairs_negotiated=1)
        public = 4  # echo reply, knock, proposal, ESP
    lines += [f"outbound-sa[route=peer]/spi {peer_spi}",
              "outbound-sa[route=peer]/packets 1",
              f"inbound-sa[spi={gw_spi}]/route peer",
              f"inbound-sa[spi={gw_spi}]/sa-state/decrypt-errors 0",
              f"inbound-sa[spi={gw_spi}]/sa-state/protocol-errors 0",
              f"inbound-sa[spi={gw_spi}]/highest-sequence 1"]
    lines += list(extra)
    lines += frames(public, 1)
    return lines


def complete(ctx, name, topo, role):
    if role == "responder":
        ex = sx.gateway_responder(topo, ctx.gateway, ctx.workdir(name))
        what = ("the peer initiates, the gateway responds (knock, challenge, proposal, "
                "agreement)")
    else:
        ex = sx.gateway_initiator(topo, ctx.gateway, ctx.workdir(name))
        what = ("the gateway initiates, the peer responds (knock, challenge, proposal, "
                "agreement)")
    ctx.notes.append(f"{name}: " + "; ".join(ex.notes))
    return dict(config=topo.config(), public_in=ex.public_in, private_in=ex.private_in or None,
                options="--seed 1 --until 3",
                description=(f"IPv{topo.family}: {what}; then the peer's ESP is decapsulated "
                             "onto private-out and the gateway's ESP decrypts with the peer's "
                             "SA"),
                counters=exchange_counters(ex, topo, role))


@case("ske-responder-v4")
def _(ctx):
    return complete(ctx, "ske-responder-v4", V4, "responder")


@case("ske-initiator-v4")
def _(ctx):
    return complete(ctx, "ske-initiator-v4", V4, "initiator")


@case("ske-responder-v6")
def _(ctx):
    return complete(ctx, "ske-responder-v6", V6, "responder")


@case("ske-initiator-v6")
def _(ctx):
    return complete(ctx, "ske-initiator-v6", V6, "initiator")


@case("ske-proposal-replayed")
def _(ctx):
    ex = sx.gateway_responder(V4, ctx.gateway, ctx.workdir("ske-proposal-replayed"),
                              traffic=False)
    rec = sx.Recorder(ctx.gateway, ctx.workdir("ske-proposal-replayed"), V4,
                      "--seed 1 --until 2")
    for t, f in ex.public_in:
        rec.send(t, f)
    rec.send(1.0, sx.ske_frame(V4, ex.proposal))
    # After the exchange the responder's handshake is gone (its nonce with
    # it, 2.2): the replayed proposal arrives in a state that does not
    # expect one (see ske-proposal-unexpected): a protocol error.
    return finish(rec, description=(
        "a complete exchange (the gateway responds), then the peer's proposal replayed: the "
        "exchange and its nonce are gone, so the proposal is unexpected (a protocol error); "
        "no second agreement"),
        counters=errors(protocol_errors=1) + km(challenges_offered=1, keypairs_offered=1)
        + [f"outbound-sa[route=peer]/spi {ex.peer_sas.inbound.spi}"] + frames(3))


@case("ske-agreement-forged")
def _(ctx):
    topo = V4
    rec = sx.Recorder(ctx.gateway, ctx.workdir("ske-agreement-forged"), topo,
                      "--seed 1 --until 3")
    rec.send(0.0, sx.ping_frame(topo))
    responder = vita_ske.Responder(topo.peer_route(), sx.peer_rx_spi(topo, "initiator"),
                                   ephemeral=lambda: sx.secret("responder e v4"),
                                   nonce=lambda: sx.secret("responder nonce v4"))
    result = rec.run()
    _, kn = rec.answer(result, sx.KNOCK)
    rec.send(0.5, sx.ske_frame(topo, responder.receive(kn)))
    result = rec.run()
    _, prop = rec.answer(result, sx.PROPOSAL, 0.5)
    agreement, sas = responder.receive(prop)
    forged = agreement[:-1] + bytes([agreement[-1] ^ 1])  # tag altered
    rec.send(1.0, sx.ske_frame(topo, forged))
    rec.send(1.5, sx.ske_frame(topo, agreement))
    return finish(rec, description=(
        "the gateway initiates; a forged agreement (tag altered) is an authentication error "
        "and does not abort the exchange: the genuine agreement that follows completes it"),
        counters=errors(authentication_errors=1) + km(challenges_accepted=1,
                                                      keypairs_negotiated=1)
        + [f"outbound-sa[route=peer]/spi {sas.inbound.spi}",
           f"inbound-sa[spi={sas.outbound.spi}]/route peer"] + frames(3))


# --------------------------------------------------------------------------
# negotiation-ttl


@case("ske-negotiation-timeout-retry")
def _(ctx):
    topo = V4
    ex = sx.gateway_initiator(topo, ctx.gateway, ctx.workdir("ske-negotiation-timeout-retry"),
                              options="--seed 1 --until 8", challenge_at=5.5)
    ctx.notes.append("ske-negotiation-timeout-retry: " + "; ".join(ex.notes))
    return dict(config=topo.config(), public_in=ex.public_in, private_in=ex.private_in,
                options="--seed 1 --until 8",
                description=("the gateway knocks at +0 and gets no answer: after "
                             "negotiation-ttl (5 s) the negotiation expires and it knocks "
                             "again; the peer answers the retry and the exchange completes "
                             "(ESP both ways)"),
                counters=errors() + km(negotiations_initiated=2, negotiations_expired=1,
                                       challenges_accepted=1, keypairs_negotiated=1)
                + [f"outbound-sa[route=peer]/spi {ex.peer_sas.inbound.spi}",
                   f"inbound-sa[spi={ex.gateway_rx_spi}]/highest-sequence 1"]
                + frames(5, 1))


@case("ske-agreement-after-timeout")
def _(ctx):
    topo = V4
    rec = sx.Recorder(ctx.gateway, ctx.workdir("ske-agreement-after-timeout"), topo,
                      "--seed 1 --until 7")
    rec.send(0.0, sx.ping_frame(topo))
    responder = vita_ske.Responder(topo.peer_route(), sx.peer_rx_spi(topo, "initiator"),
                                   ephemeral=lambda: sx.secret("responder e v4"),
                                   nonce=lambda: sx.secret("responder nonce v4"))
    result = rec.run()
    _, kn = rec.answer(result, sx.KNOCK)
    rec.send(0.5, sx.ske_frame(topo, responder.receive(kn)))
    result = rec.run()
    _, prop = rec.answer(result, sx.PROPOSAL, 0.5)
    agreement, _ = responder.receive(prop)
    rec.send(6.0, sx.ske_frame(topo, agreement))
    return finish(rec, description=(
        "the gateway proposes at +0.5 and gets no agreement within negotiation-ttl: at +5.5 "
        "the negotiation expires and it knocks again; the genuine agreement arriving late "
        "(+6) is unexpected in that state: protocol error, no SA"),
        counters=errors(protocol_errors=1) + km(negotiations_initiated=2,
                                                negotiations_expired=1,
                                                challenges_accepted=1, keypairs_negotiated=0)
        + frames(4))


# --------------------------------------------------------------------------


class Context:
    def __init__(self, gateway, keep):
        self.gateway = gateway
        self.root = sx.temp_workdir("build-ske-cases-")
        self.keep = keep
        self.notes = []

    def workdir(self, name):
        path = os.path.join(self.root, name)
        os.makedirs(path, exist_ok=True)
        return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gateway", default=os.path.join(ROOT, "build", "strait"))
    parser.add_argument("--only", nargs="*", help="case names (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the passes' directories")
    args = parser.parse_args()
    names = args.only or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error("unknown case(s): " + " ".join(unknown))
    ctx = Context(os.path.abspath(args.gateway), args.keep)
    missing = sx.replay_available(ctx.gateway)
    failed = []
    written = 0
    try:
        for name in names:
            try:
                spec = CASES[name](ctx)
            except sx.ExchangeFailure as e:
                failed.append(f"{name}: {e}")
                continue
            casekit.write_case(name, spec["config"], private_in=spec.get("private_in"),
                               public_in=spec.get("public_in"), options=spec["options"],
                               counters=spec["counters"], description=spec["description"])
            written += 1
    finally:
        if args.keep:
            print(f"passes kept in {ctx.root}")
        else:
            sx.remove(ctx.root)
    for note in ctx.notes:
        print(note)
    for failure in failed:
        print("FAILED " + failure, file=sys.stderr)
    if missing and failed:
        print(f"(multi-pass cases need strait replay: {missing})", file=sys.stderr)
    print(f"{written} ske cases written, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
