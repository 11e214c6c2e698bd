#!/bin/bash
# The lab's fake Kubernetes against the real kubectl (root):
#   kube_test.sh [KUBECTL]
# Two namespaces joined by a veth: PREFIX-paris (10.1.0.2, the API server,
# which registers kube-node-paris itself) and PREFIX-tokyo (10.2.0.2,
# kube-join for kube-node-tokyo). kube-node-paris resolves through
# /etc/netns/NS/hosts (bind-mounted by `ip netns exec`; the real /etc/hosts is
# not touched). Checks: get nodes (both Ready, roles), get pods -o wide (pods
# with node and IP), get events (RegisteredNode); the tokyo join killed turns
# the node NotReady (--not-ready-after 3) with a NodeNotReady event, a new
# join brings it back Ready; a wrong token is refused to kubectl (401) and to
# kube-join; a join that does not trust the certificate fails. Everything is
# named after this shell's pid and removed on exit; every wait is bounded.
# Exit status 77 (skipped) without root or kubectl.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
KUBECTL=${1:-kubectl}
APISERVER=$HERE/apiserver.py
JOIN=$HERE/../kube-join
P="kube$$"
NS_PARIS="$P-paris" NS_TOKYO="$P-tokyo"
TMP=$(mktemp -d /tmp/strait-kube.XXXXXX)
SERVER_PID="" JOIN_PID=""

cleanup() {
  local pid
  for pid in $JOIN_PID $SERVER_PID; do
    { kill -KILL "$pid" && wait "$pid"; } 2>/dev/null
  done
  ip netns del "$NS_PARIS" 2>/dev/null
  ip netns del "$NS_TOKYO" 2>/dev/null
  rm -rf "/etc/netns/$NS_PARIS" "/etc/netns/$NS_TOKYO" "$TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in server join; do
    [ -f "$TMP/$f.log" ] && { echo "--- $f log:" >&2; tail -n 20 "$TMP/$f.log" >&2; }
  done
  exit 1
}

# k ARGS: the real kubectl in paris's namespace, with the lab's kubeconfig.
k() {
  HOME=$TMP/home ip netns exec "$NS_PARIS" timeout 20 "$KUBECTL" \
    --kubeconfig "$TMP/kube/cluster-admin.kubeconfig" "$@" 2>&1
}

# wait_for SECONDS DESCRIPTION COMMAND...: until COMMAND succeeds.
wait_for() {
  local seconds=$1 what=$2 i
  shift 2
  for ((i = 0; i < seconds * 4; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  fail "$what (after $seconds s)"
}

node_status() {  # node_status NODE STATUS: `kubectl get nodes` shows NODE with STATUS
  k get nodes --no-headers | grep -Eq "^$1 +$2 "
}

start_join() {  # start_join: kube-join for kube-node-tokyo in the background
  ip netns exec "$NS_TOKYO" "$JOIN" --server https://kube-node-paris:6443 \
    --node kube-node-tokyo --ca "$TMP/kube/ca.crt" --pod-cidr 10.2.1.0/24 \
    --pod web-tokyo=10.2.1.2 --pod kube-system/dns-tokyo=10.2.1.3 --interval 0.5 \
    <"$TMP/kube/apitoken.secret" >>"$TMP/join.log" 2>&1 &
  JOIN_PID=$!
}

# Cannot run: exit status 77, which CTest reports as Skipped (SKIP_RETURN_CODE).
skip() {
  echo "SKIP: $*"
  exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
for tool in "$KUBECTL" ip timeout python3; do
  command -v "$tool" >/dev/null || skip "missing tool '$tool' (ci/install-deps installs it)"
done
mkdir -p "$TMP/home" "/etc/netns/$NS_PARIS" "/etc/netns/$NS_TOKYO"
for ns in "$NS_PARIS" "$NS_TOKYO"; do
  printf '127.0.0.1 localhost\n10.1.0.2 kube-node-paris\n10.2.0.2 kube-node-tokyo\n' \
    >"/etc/netns/$ns/hosts"
done
ip netns add "$NS_PARIS" && ip netns add "$NS_TOKYO" || fail "cannot create the namespaces"
ip -n "$NS_PARIS" link add k0 type veth peer name k0 netns "$NS_TOKYO" || fail "no veth"
ip -n "$NS_PARIS" addr add 10.1.0.2/24 dev k0
ip -n "$NS_TOKYO" addr add 10.2.0.2/24 dev k0
for ns in "$NS_PARIS" "$NS_TOKYO"; do
  ip -n "$ns" link set lo up
  ip -n "$ns" link set k0 up
done
ip -n "$NS_PARIS" route add 10.2.0.0/24 dev k0
ip -n "$NS_TOKYO" route add 10.1.0.0/24 dev k0

"$APISERVER" init --dir "$TMP/kube" --host kube-node-paris --ip 10.1.0.2 >/dev/null ||
  fail "apiserver.py init"
for f in ca.crt apiserver.crt apiserver.key apitoken.secret cluster-admin.kubeconfig; do
  [ -s "$TMP/kube/$f" ] || fail "init wrote no $f"
done
[ "$(stat -c %a "$TMP/kube/apitoken.secret")" = 600 ] || fail "apitoken.secret is not 0600"
grep -q "server: https://kube-node-paris:6443" "$TMP/kube/cluster-admin.kubeconfig" ||
  fail "the kubeconfig does not name https://kube-node-paris:6443"

ip netns exec "$NS_PARIS" "$APISERVER" serve --dir "$TMP/kube" --listen 0.0.0.0:6443 \
  --node kube-node-paris --node-ip 10.1.0.2 --pod-cidr 10.1.1.0/24 \
  --pod web-paris=10.1.1.2 --pod kube-system/dns-paris=10.1.1.3 \
  --not-ready-after 3 >>"$TMP/server.log" 2>&1 &
SERVER_PID=$!
wait_for 10 "kubectl does not see kube-node-paris Ready" node_status kube-node-paris Ready

# A wrong token: kubectl gets 401, kube-join fails and says why.
sed 's/^\( *token:\).*/\1 not-the-token/' "$TMP/kube/cluster-admin.kubeconfig" >"$TMP/bad.kubeconfig"
out=$(HOME=$TMP/home ip netns exec "$NS_PARIS" timeout 20 "$KUBECTL" \
  --kubeconfig "$TMP/bad.kubeconfig" get nodes 2>&1) && fail "kubectl accepted with a wrong token: $out"
echo "$out" | grep -q "Unauthorized" || fail "wrong token, kubectl says: $out"
out=$(echo not-the-token | ip netns exec "$NS_TOKYO" timeout 20 "$JOIN" \
  --server https://kube-node-paris:6443 --node kube-node-tokyo --ca "$TMP/kube/ca.crt" 2>&1) &&
  fail "kube-join joined with a wrong token"
echo "$out" | grep -q "refused the token (401 Unauthorized)" || fail "wrong token, kube-join says: $out"
# A certificate it cannot verify: refused, no node registered.
out=$(ip netns exec "$NS_TOKYO" timeout 20 "$JOIN" --server https://kube-node-paris:6443 \
  --node kube-node-tokyo --ca "$TMP/kube/apiserver.crt" <"$TMP/kube/apitoken.secret" 2>&1) &&
  fail "kube-join trusted a certificate outside its CA"
echo "$out" | grep -q "certificate not trusted" || fail "untrusted certificate, kube-join says: $out"
k get nodes --no-headers | grep -q kube-node-tokyo && fail "a refused join registered its node"

start_join
wait_for 15 "kube-node-tokyo does not turn Ready" node_status kube-node-tokyo Ready

out=$(k get nodes)
echo "$out"
echo "$out" | grep -Eq "^kube-node-paris +Ready +control-plane +[0-9]+s +v1\.32\." ||
  fail "get nodes: paris is not a Ready control-plane: $out"
echo "$out" | grep -Eq "^kube-node-tokyo +Ready +<none> " || fail "get nodes: tokyo: $out"
out=$(k get nodes -o wide)
echo "$out" | grep -Eq "^kube-node-tokyo +Ready .* 10\.2\.0\.2 " ||
  fail "get nodes -o wide: no InternalIP 10.2.0.2 (the join's source address): $out"

out=$(k --namespace kube-system get pods -o wide)
echo "$out"
for row in "kube-proxy-kube-node-paris 10.1.0.2 kube-node-paris" \
  "kube-apiserver-kube-node-paris 10.1.0.2 kube-node-paris" \
  "kube-proxy-kube-node-tokyo 10.2.0.2 kube-node-tokyo" \
  "dns-paris 10.1.1.3 kube-node-paris" "dns-tokyo 10.2.1.3 kube-node-tokyo"; do
  set -- $row
  echo "$out" | grep -Eq "^$1 +1/1 +Running +0 +[0-9]+s +$2 +$3 " ||
    fail "get pods -o wide: no running $1 on $3 with IP $2: $out"
done
out=$(k get pods -o wide)
echo "$out" | grep -Eq "^web-tokyo +1/1 +Running .* 10\.2\.1\.2 +kube-node-tokyo " ||
  fail "default namespace: no web-tokyo: $out"
out=$(k get pods -A -o json)
echo "$out" | grep -q '"podIP": "10.2.1.2"' || fail "get pods -o json: no podIP: $out"
k get node kube-node-tokyo -o yaml | grep -q "podCIDR: 10.2.1.0/24" ||
  fail "get node -o yaml: no podCIDR"

out=$(k --namespace kube-system get events)
echo "$out"
for node in kube-node-paris kube-node-tokyo; do
  echo "$out" | grep -Eq "Normal +RegisteredNode +node/$node +Node $node event: Registered Node" ||
    fail "get events: no RegisteredNode for $node: $out"
  echo "$out" | grep -Eq "NodeReady +node/$node " || fail "get events: no NodeReady for $node"
done

# The join stops: NotReady after 3 s, with an event; pods no longer ready.
kill -TERM "$JOIN_PID"
wait "$JOIN_PID" 2>/dev/null
status=$?
JOIN_PID=""
[ "$status" = 0 ] || fail "kube-join exited with $status on SIGTERM"
wait_for 15 "kube-node-tokyo stays Ready without heartbeats" node_status kube-node-tokyo NotReady
node_status kube-node-paris Ready || fail "kube-node-paris is not Ready any more"
k --namespace kube-system get events | grep -Eq "NodeNotReady +node/kube-node-tokyo +Node kube-node-tokyo status is now: NodeNotReady" ||
  fail "no NodeNotReady event: $(k --namespace kube-system get events)"
k --namespace kube-system get pods -o wide | grep -Eq "^dns-tokyo +0/1 " ||
  fail "pods of a NotReady node still ready"
k get node kube-node-tokyo -o json | grep -q '"reason": "NodeStatusUnknown"' ||
  fail "Ready condition is not Unknown/NodeStatusUnknown"

# Joining again brings it back, with a NodeReady event.
start_join
wait_for 15 "kube-node-tokyo does not come back Ready" node_status kube-node-tokyo Ready
[ "$(k --namespace kube-system get events | grep -c 'NodeReady  *node/kube-node-tokyo')" -ge 2 ] ||
  fail "no second NodeReady event for kube-node-tokyo"
[ "$(k get nodes --no-headers | wc -l)" = 2 ] || fail "rejoining made a third node"
kill -0 "$SERVER_PID" 2>/dev/null || fail "the API server died"
echo "kube_test: OK"
