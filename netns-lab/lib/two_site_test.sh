# The common start of the two-site lab test scripts (tests/*.sh). Source it
# with P (the namespace prefix, unique to the run) and STRAIT set. It gives:
#   TMP             a directory removed on exit; STRAIT_RUN_DIR=$TMP/run
#   PID             site -> gateway pid (lib/processes.sh)
#   an EXIT trap    calls test_cleanup if the script defines one, kills the
#                   gateways, removes the namespaces and TMP
#   fail MESSAGE    prints MESSAGE and the tail of every log in TMP, exits 1

LAB_TEST_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$LAB_TEST_LIB/topology.sh"
. "$LAB_TEST_LIB/processes.sh"

# The configurations written in TMP hold keys: only root may read them
# (strait run refuses a key file others may read).
umask 077
TMP=$(mktemp -d /tmp/strait-lab.XXXXXX)
export STRAIT_RUN_DIR=$TMP/run
declare -A PID

lab_test_cleanup() {
  declare -F test_cleanup >/dev/null && test_cleanup
  lab_kill_all
  lab_two_sites_down "$P"
  rm -rf "$TMP"
}
trap lab_test_cleanup EXIT

fail() {
  local f
  echo "FAIL: $*" >&2
  for f in "$TMP"/*.log; do
    [ -f "$f" ] && { echo "--- $f:" >&2; tail -n 40 "$f" >&2; }
  done
  exit 1
}
