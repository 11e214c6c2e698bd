# shellcheck shell=bash
# The lab's fake Kubernetes (sourced by the lab scripts after lab.sh):
# netns-lab/kube/apiserver.py on kube-node-paris, netns-lab/kube-join on
# each node, as the seed does (`nixos-kubernetes-node-join < apitoken.secret`).

LAB_NOT_READY_AFTER=${LAB_NOT_READY_AFTER:-40}
LAB_HEARTBEAT=${LAB_HEARTBEAT:-10}

# kube_pods SITE: the --pod arguments of a node (its pod namespaces, and
# flannel's daemon-set pod on the host network).
kube_pods() {
  echo "--pod default/pod-$1-1=$(lab_pod_ip "$1") --pod kube-system/kube-flannel-ds-$1=$(lab_node_ip "$1")"
}

# kube_wait_nodes STATUS SECONDS: until `kubectl get nodes` shows both
# nodes with STATUS (Ready | NotReady).
kube_wait_nodes() {
  local want=$1 seconds=$2 deadline
  deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    [ "$(kube_node_status kube-node-tokyo)" = "$want" ] &&
      [ "$(kube_node_status kube-node-paris)" = "$want" ] && return 0
    sleep 0.2
  done
  return 1
}

# kube_node_status NODE: its STATUS column in `kubectl get nodes`.
kube_node_status() {
  lab_kubectl get nodes --no-headers 2>/dev/null | awk -v node="$1" '$1 == node { print $2 }'
}

kube_up() {
  local dir paris tokyo i
  dir=$(lab_kube_dir)
  paris=$(lab_ns kube-node-paris) tokyo=$(lab_ns kube-node-tokyo)
  mkdir -p "$dir"
  # The CA, the server certificate for kube-node-paris, apitoken.secret and
  # the kubeconfig (made at every lab-up).
  "$PYTHON" "$LAB_HERE/kube/apiserver.py" init --dir "$dir" --host kube-node-paris \
    --ip "$(lab_node_ip paris)" >>"$LAB_RUN_DIR/logs/apiserver.log" 2>&1 || return 1
  # shellcheck disable=SC2046  # kube_pods is a list of arguments
  lab_start apiserver "$paris" "$PYTHON" "$LAB_HERE/kube/apiserver.py" serve --dir "$dir" \
    --listen 0.0.0.0:6443 --node kube-node-paris --node-ip "$(lab_node_ip paris)" \
    --pod-cidr "$(lab_pod_net paris).0/24" $(kube_pods paris) \
    --not-ready-after "$LAB_NOT_READY_AFTER" || return 1
  for ((i = 0; i < 100; i++)); do
    ip netns exec "$paris" ss -Hltn 'sport = :6443' | grep -q . && break
    lab_running apiserver || break
    sleep 0.1
  done
  ip netns exec "$paris" ss -Hltn 'sport = :6443' | grep -q . || {
    lab_log_tail apiserver
    return 1
  }
  echo "lab-up:       API server on https://kube-node-paris:6443 (pid $(lab_pid apiserver))"
  # kube-node-tokyo joins across the tunnel with the token on stdin.
  # shellcheck disable=SC2046
  lab_start kube-join-tokyo "$tokyo" bash -c 'exec "$0" "$@" <"'"$dir"'/apitoken.secret"' \
    "$LAB_HERE/kube-join" --server https://kube-node-paris:6443 --node kube-node-tokyo \
    --ca "$dir/ca.crt" --ip "$(lab_node_ip tokyo)" --pod-cidr "$(lab_pod_net tokyo).0/24" \
    $(kube_pods tokyo) --interval "$LAB_HEARTBEAT" || return 1
  echo "lab-up:       kube-node-tokyo: kube-join < apitoken.secret (pid $(lab_pid kube-join-tokyo))"
  kube_wait_nodes Ready 45 || {
    lab_log_tail apiserver
    lab_log_tail kube-join-tokyo
    return 1
  }
  echo "lab-up:       kubectl get nodes: kube-node-paris Ready, kube-node-tokyo Ready"
}
