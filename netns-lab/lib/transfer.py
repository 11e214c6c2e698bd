#!/usr/bin/python3
"""transfer.py: a large TCP transfer whose integrity is checked end to end.
  transfer.py receive ADDRESS PORT [--timeout S]   prints "BYTES SHA256" of one connection
  transfer.py send HOST PORT BYTES [--timeout S]   sends BYTES pseudo-random bytes, prints "BYTES SHA256"
The two lines must be equal."""
import argparse
import hashlib
import random
import socket
import sys


def receive(args) -> int:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((args.address, args.port))
    server.listen(1)
    server.settimeout(args.timeout)
    connection, _ = server.accept()
    connection.settimeout(args.timeout)
    digest = hashlib.sha256()
    total = 0
    while True:
        data = connection.recv(1 << 16)
        if not data:
            break
        digest.update(data)
        total += len(data)
    print(total, digest.hexdigest(), flush=True)
    return 0


def send(args) -> int:
    generator = random.Random(args.port)
    connection = socket.create_connection((args.host, args.port), timeout=args.timeout)
    digest = hashlib.sha256()
    left = args.bytes
    while left:
        chunk = generator.randbytes(min(left, 1 << 16))
        connection.sendall(chunk)
        digest.update(chunk)
        left -= len(chunk)
    connection.shutdown(socket.SHUT_WR)
    connection.recv(1)
    print(args.bytes, digest.hexdigest(), flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("receive")
    r.add_argument("address")
    r.add_argument("port", type=int)
    r.add_argument("--timeout", type=float, default=30)
    s = sub.add_parser("send")
    s.add_argument("host")
    s.add_argument("port", type=int)
    s.add_argument("bytes", type=int)
    s.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    try:
        return receive(args) if args.command == "receive" else send(args)
    except OSError as error:
        print(f"transfer.py {args.command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
