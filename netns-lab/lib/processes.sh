# Background processes of the lab scripts (gateways, wireguard-go), one per
# site. Source after topology.sh; the caller declares `declare -A PID`
# (site -> pid) and sets STRAIT (the strait binary) and exports
# STRAIT_RUN_DIR. Every wait is bounded.

# lab_wait_state NAME PID: waits (10 s at most) for `strait run --name NAME`
# (process PID) to write its first gateway-state; fails if the process
# exits or stays silent.
lab_wait_state() {
  local name=$1 pid=$2 i
  for ((i = 0; i < 100; i++)); do
    [ -s "$STRAIT_RUN_DIR/$name/gateway-state" ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# lab_start_gateway PREFIX SITE NAME BACKEND CONFIG LOG [OPTION...]: starts
# `$STRAIT run --name NAME --BACKEND --config CONFIG [OPTION...]` in SITE's
# gateway namespace in the background (output appended to LOG), records its
# pid in PID[SITE] and waits for its first gateway-state; fails if it exits
# or stays silent (the caller says why, with LOG).
lab_start_gateway() {
  local p=$1 site=$2 name=$3 backend=$4 config=$5 log=$6
  shift 6
  ip netns exec "$p-gw-$site" "$STRAIT" run --name "$name" "--$backend" "$@" \
    --config "$config" >>"$log" 2>&1 &
  PID[$site]=$!
  lab_wait_state "$name" "${PID[$site]}"
}

# lab_stop_site SITE SIGNAL: sends SIGNAL to PID[SITE] and waits up to 10 s
# for it to exit (then SIGKILL, and status 254); returns its exit status.
lab_stop_site() {
  local site=$1 signal=$2 pid=${PID[$1]} i status
  kill "-$signal" "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    PID[$site]=
    return 254
  fi
  { wait "$pid"; } 2>/dev/null
  status=$?
  PID[$site]=
  return $status
}

# lab_kill_all: SIGKILL whatever is still running (for EXIT traps).
lab_kill_all() {
  local site
  for site in "${!PID[@]}"; do
    [ -n "${PID[$site]}" ] && kill -KILL "${PID[$site]}" 2>/dev/null
  done
  return 0
}
