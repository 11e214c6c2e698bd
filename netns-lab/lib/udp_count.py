#!/usr/bin/python3
"""udp_count.py send DEST PORT COUNT INTERVAL | receive PORT IDLE
send: COUNT numbered UDP datagrams to DEST:PORT, one every INTERVAL seconds.
receive: counts distinct datagrams on PORT until IDLE seconds pass without
one (at most 120 s), then prints the count."""
import socket
import sys
import time

if sys.argv[1] == "send":
    dest, port, count, interval = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(count):
        s.sendto(b"strait-%06d" % i, (dest, port))
        time.sleep(interval)
else:
    port, idle = int(sys.argv[2]), float(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    s.settimeout(idle)
    seen = set()
    start = time.time()
    while time.time() - start < 120:
        try:
            data, _ = s.recvfrom(2048)
        except socket.timeout:
            break
        seen.add(data)
    print(len(seen))
