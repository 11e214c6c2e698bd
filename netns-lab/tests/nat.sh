#!/bin/bash
# LAB_NAT=1 make lab-up / lab-verify / lab-down end to end (issue 16):
# vita-tokyo behind a masquerading NAT, NAT traversal on both gateways
# (docs/NAT-TRAVERSAL.md), every check of lab-verify including `nat` (the
# NAT's mappings flushed mid-transfer), on a copy of the lab of its own.
#   nat.sh STRAIT BACKEND [WAN]
# Exit status 77 (CTest: Skipped, with the reason) without root or a tool.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
. "$HERE/lib/skip.sh"
lab_skip_unless_lab ip ethtool nft conntrack kubectl ping traceroute iperf3 setsid
export LAB_NAT=1
exec bash "$HERE/tests/lab.sh" "$1" "$2" "${3:-lan}"
