# shellcheck shell=bash
# Skipping a lab test script that cannot run here (sourced before anything
# is built): `lab_skip_unless_lab TOOL...` prints "SKIP: <reason>" (stdout
# and stderr) and exits 77, which CTest reports as Skipped (the test's
# SKIP_RETURN_CODE), when not root or a tool is missing from PATH; the
# same rule as gateway/testing/skip.hpp.
lab_skip_unless_lab() {
  local reason="" tool
  if [ "$(id -u)" != 0 ]; then
    reason="needs root (network namespaces)"
  else
    for tool in "$@"; do
      command -v "$tool" >/dev/null 2>&1 || { reason="$tool not found on PATH"; break; }
    done
  fi
  [ -z "$reason" ] && return 0
  echo "SKIP: $reason"
  echo "SKIP: $reason" >&2
  exit 77
}
