#!/bin/bash
# The strait binary's operator commands (issue 14):
#   cli_commands_test.sh STRAIT MAN_PAGE
# - keygen prints 64 lowercase hex digits and a newline, another key each run;
# - run --name NAME finds $STRAIT_CONFIG_DIR/NAME.conf, says so when it is
#   missing, and refuses a key file its group or others may read or write
#   (chmod 600) before it claims anything; once the file is 600 it goes on
#   (and stops at the interfaces, which do not exist);
# - the man page MAN_PAGE (build/strait.8, written by the build) is what
#   `strait help --man` prints, groff renders it without a warning, man -l
#   shows it, and it has every command `strait --help` lists and every word
#   of every command's --help.
# Needs no root and touches no interface. Exit status 77 (skipped) when
# groff or man is missing.
set -u
STRAIT=$1 MAN_PAGE=$2
HERE=$(cd "$(dirname "$0")" && pwd)
SOURCE=$(cd "$HERE/../.." && pwd)
for tool in groff man col; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found"; exit 77; }
done
TMP=$(mktemp -d /tmp/strait-cli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# keygen
a=$("$STRAIT" keygen) || fail "strait keygen exited with $?"
b=$("$STRAIT" keygen) || fail "strait keygen exited with $?"
[[ $a =~ ^[0-9a-f]{64}$ ]] || fail "strait keygen printed '$a', not 64 lowercase hex digits"
[[ $b =~ ^[0-9a-f]{64}$ ]] || fail "strait keygen printed '$b', not 64 lowercase hex digits"
[ "$a" != "$b" ] || fail "two runs of strait keygen printed the same key"
[ "$("$STRAIT" keygen | od -An -c | tr -d ' \n' | tail -c 2)" = '\n' ] ||
  fail "strait keygen does not end its line"
[ "$("$STRAIT" keygen | wc -c)" = 65 ] || fail "strait keygen printed more than a key and a newline"
"$STRAIT" keygen extra >/dev/null 2>&1 && fail "strait keygen took an argument"
echo "ok: keygen ($a, $b)"

# run --name: the configuration in $STRAIT_CONFIG_DIR, its mode.
export STRAIT_CONFIG_DIR=$TMP/etc STRAIT_RUN_DIR=$TMP/run
mkdir -p "$STRAIT_CONFIG_DIR"
conf=$STRAIT_CONFIG_DIR/paris.conf
out=$(timeout 20 "$STRAIT" run --name paris --af-packet 2>&1)
status=$?
[ $status = 1 ] || fail "run --name without a configuration: exit status $status: $out"
grep -qF "no --config, and no configuration for paris in $STRAIT_CONFIG_DIR ($conf:" <<<"$out" ||
  fail "run --name without a configuration: $out"
# The lab's configuration, its interfaces renamed to ones that do not exist.
sed 's/ifname eth\([0-9]\);/ifname nx-cli-test\1;/' "$SOURCE/netns-lab/vita-paris.conf" >"$conf"
for mode in 644 640 604 660 606; do
  chmod "$mode" "$conf"
  out=$(timeout 20 "$STRAIT" run --name paris --af-packet 2>&1)
  status=$?
  [ $status = 1 ] || fail "run with a key file of mode $mode: exit status $status: $out"
  grep -qF "holds keys" <<<"$out" && grep -qF "run \`chmod 600 $conf\`" <<<"$out" ||
    fail "run with a key file of mode $mode: $out"
  [ -e "$STRAIT_RUN_DIR/paris" ] && fail "run with a key file of mode $mode claimed its name"
done
chmod 600 "$conf"
out=$(timeout 20 "$STRAIT" run --name paris --af-packet 2>&1)
grep -q "holds keys" <<<"$out" && fail "run refused a key file of mode 600: $out"
grep -q "nx-cli-test" <<<"$out" || fail "run with a key file of mode 600 did not reach its interfaces: $out"
# --config takes precedence; the same rule holds for it.
cp "$conf" "$TMP/other.conf"
chmod 644 "$TMP/other.conf"
out=$(timeout 20 "$STRAIT" run --name paris --af-packet --config "$TMP/other.conf" 2>&1)
grep -qF "run \`chmod 600 $TMP/other.conf\`" <<<"$out" || fail "run --config with mode 644: $out"
out=$(timeout 20 "$STRAIT" run --name ../x --af-packet 2>&1) && fail "run --name ../x: $out"
echo "ok: run --name (missing file, modes 644 640 604 660 606 refused, 600 taken, --config)"

# strait config set < a key file others may read: a warning (the keys are
# read already), whether or not a gateway answers.
out=$(timeout 20 "$STRAIT" config set paris / <"$TMP/other.conf" 2>&1)
grep -qF "strait config: warning: $TMP/other.conf holds keys" <<<"$out" ||
  fail "config set < a key file of mode 644 gave no warning: $out"
grep -qF "run \`chmod 600 $TMP/other.conf\`" <<<"$out" || fail "config set warning: $out"
chmod 600 "$TMP/other.conf"
out=$(timeout 20 "$STRAIT" config set paris / <"$TMP/other.conf" 2>&1)
grep -q "warning" <<<"$out" && fail "config set < a key file of mode 600 warned: $out"
echo "ok: config set < a key file others may read warns"

# The man page.
[ -s "$MAN_PAGE" ] || fail "no $MAN_PAGE: the build writes it (ninja -C build man)"
"$STRAIT" help --man | cmp -s - "$MAN_PAGE" ||
  fail "$MAN_PAGE is not what strait help --man prints (rebuild: ninja -C build man)"
export LC_ALL=C.UTF-8
warnings=$(groff -man -Tutf8 -ww -z "$MAN_PAGE" 2>&1)
[ -z "$warnings" ] || fail "groff -man -Tutf8 -ww: $warnings"
MANWIDTH=80 MANPAGER=cat PAGER=cat man -l "$MAN_PAGE" >"$TMP/page.raw" 2>"$TMP/man.err" ||
  fail "man -l $MAN_PAGE: $(cat "$TMP/man.err")"
# Plain text, typographic hyphens, minus signs and quotes as typed.
col -bx <"$TMP/page.raw" | /usr/bin/python3 -c '
import sys
table = str.maketrans({"\u2010": "-", "\u2212": "-", "\u2019": "'"'"'", "\u2018": "`",
                       "\u02c6": "^", "\u02dc": "~", "\u201c": "\"", "\u201d": "\""})
sys.stdout.write(sys.stdin.read().translate(table))' >"$TMP/page.txt"
grep -q "^NAME" "$TMP/page.txt" || fail "man -l shows no NAME section"
commands=$("$STRAIT" --help | sed -n '/^commands:/,/^files:/p' | awk '/^  [a-z]/ { print $1 }')
[ "$(wc -w <<<"$commands")" -ge 12 ] || fail "strait --help lists only: $commands"
for command in $commands; do
  grep -q "^   strait $command\$" "$TMP/page.txt" || fail "the man page has no section strait $command"
  "$STRAIT" "$command" --help >"$TMP/help-$command.txt" ||
    fail "strait $command --help exited with $?"
  "$STRAIT" help "$command" | cmp -s - "$TMP/help-$command.txt" ||
    fail "strait help $command differs from strait $command --help"
done
# Every word of every command's --help is on the page.
/usr/bin/python3 - "$TMP/page.txt" "$TMP"/help-*.txt <<'PY' || fail "the man page lost words of --help"
import sys
page = set(open(sys.argv[1], encoding="utf-8").read().split())
missing = {}
for path in sys.argv[2:]:
    words = set(open(path, encoding="utf-8").read().split()) - {"usage:"}
    lost = sorted(words - page)
    if lost:
        missing[path] = lost
for path, lost in missing.items():
    print(f"{path}: {' '.join(lost[:20])}", file=sys.stderr)
sys.exit(1 if missing else 0)
PY
echo "ok: man page ($(wc -l <"$TMP/page.txt") lines, $(wc -w <<<"$commands") commands, no groff warning)"
