#!/usr/bin/env bash
# strait top in an 80x24 tmux window against a gateway-state written by
# this test (no gateway: a fake instance directory whose pid file names a
# live process), its screen captured and checked; then --once and the
# errors for unknown and dead instances.
# usage: top_tmux_test.sh path/to/strait
set -euo pipefail
strait=$(realpath "$1")
dir=$(mktemp -d /tmp/strait-top-test.XXXXXX)
socket="strait-top-test-$$"
holder=""
writer=""
cleanup() {
  tmux -L "$socket" kill-server 2>/dev/null || true
  [ -n "$writer" ] && kill "$writer" 2>/dev/null || true
  [ -n "$holder" ] && kill "$holder" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [ -n "${screen:-}" ] && printf 'screen:\n%s\n' "$screen" >&2
  exit 1
}

mkdir -p "$dir/paris"
sleep 300 &
holder=$!
echo "$holder" >"$dir/paris/pid"

# State k: counters grow by fixed steps, timestamps (mtime) 2 s apart, so
# the rates are exact: private rx 2468 packets / 2 s = 1.23k pkt/s.
write_state() {
  local k=$1 file="$dir/paris/gateway-state"
  cat >"$file.new" <<STATE
gateway-state {
  private-interface {
    rxbytes $((k * 2468 * 100));
    rxpackets $((k * 2468));
    txbytes 0;
    txpackets 0;
    rxdrop $((k * 10));
  }
  public-interface {
    rxbytes 0;
    rxpackets 0;
    txbytes $((k * 2468 * 140));
    txpackets $((k * 2468));
  }
  public-dispatch {
    protocol-errors $((k * 6));
  }
  key-manager {
    negotiations-initiated $k;
    keypairs-negotiated $k;
    authentication-errors 0;
  }
  inbound-sa {
    spi 4097;
    queue 1;
    route paris-berlin;
    sa-state {
      rxerrors 0;
      protocol-errors 0;
      decrypt-errors 0;
    }
    age $((k * 2));
    expires-in $((600 - k * 2));
    highest-sequence $((k * 2468));
  }
  outbound-sa {
    route paris-berlin;
    queue 1;
    spi 8193;
    packets $((k * 2468));
    age $((k * 2));
    expires-in $((600 - k * 2));
    rekey-in $((300 - k * 2));
  }
}
STATE
  touch -m -d "@$((1700000000 + k * 2))" "$file.new"
  mv "$file.new" "$file"
}
write_state 1
(for k in $(seq 2 60); do sleep 0.5; write_state "$k"; done) &
writer=$!

export STRAIT_RUN_DIR="$dir"
tmux -L "$socket" -f /dev/null new-session -d -x 80 -y 24 \
  "STRAIT_RUN_DIR=$dir $strait top paris"
screen=""
for _ in $(seq 1 50); do
  sleep 0.2
  screen=$(tmux -L "$socket" capture-pane -p 2>/dev/null || true)
  if grep -q "rates over" <<<"$screen" && grep -q "keypairs-negotiated +1" <<<"$screen"; then
    break
  fi
done
grep -Eq "^strait top: paris .*rates over [0-9.]+ s" <<<"$screen" || fail "title with the rate interval"
grep -q "q quits" <<<"$screen" || fail "q quits hint"
grep -Eq "^private +all +1.23k +987k" <<<"$screen" || fail "private interface rx rate"
grep -Eq "^public +all .* 1.23k +1.38M *$" <<<"$screen" || fail "public interface tx rate"
grep -Eq "^private-interface +rxdrop +5 " <<<"$screen" || fail "rxdrop 5/s"
grep -Eq "^public-dispatch +protocol-errors +3 " <<<"$screen" || fail "protocol-errors 3/s"
grep -Eq "^out +paris-berlin +1 +8193 +[0-9]+s +[0-9]+s +[0-9]+s .* 1.23k" <<<"$screen" ||
  fail "outbound SA row"
grep -Eq "^in +paris-berlin +1 +4097 " <<<"$screen" || fail "inbound SA row"
grep -q "^KEY EXCHANGE" <<<"$screen" || fail "key exchange section"
lines=$(wc -l <<<"$screen")
[ "$lines" -le 24 ] || fail "$lines lines"
awk 'length > 80 { exit 1 }' <<<"$screen" || fail "a line longer than 80"

# q quits: the window (and so the session) ends.
tmux -L "$socket" send-keys q
for _ in $(seq 1 25); do
  tmux -L "$socket" has-session 2>/dev/null || break
  sleep 0.2
done
if tmux -L "$socket" has-session 2>/dev/null; then fail "q did not quit"; fi
screen=""

# --once: one plain frame with rates, no escape sequences.
once=$("$strait" top paris --once)
grep -q "rates over" <<<"$once" || { screen=$once; fail "--once rates"; }
grep -Eq "^out +paris-berlin" <<<"$once" || { screen=$once; fail "--once SA row"; }
if grep -q $'\x1b' <<<"$once"; then screen=$once; fail "--once printed escape sequences"; fi

# Unknown and dead instances: clear errors, exit status 1.
set +e
err=$("$strait" top nosuch --once 2>&1)
status=$?
set -e
[ "$status" -eq 1 ] || fail "unknown instance: status $status"
grep -q "no gateway named 'nosuch' is running" <<<"$err" || fail "unknown instance: $err"
kill "$writer" 2>/dev/null || true
writer=""
kill "$holder"
wait "$holder" 2>/dev/null || true
holder=""
set +e
err=$("$strait" top paris --once 2>&1)
status=$?
set -e
[ "$status" -eq 1 ] || fail "dead instance: status $status"
grep -q "is not running" <<<"$err" || fail "dead instance: $err"
echo "top_tmux_test: ok"
