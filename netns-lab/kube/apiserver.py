#!/usr/bin/python3
"""The lab's fake Kubernetes API server (enough of it for the real kubectl).

Command lines (make lab-up):

  # once, on the host: a lab CA, the server certificate (CN/SAN HOST and IP),
  # the join token (apitoken.secret), the admin token and the kubeconfig
  netns-lab/kube/apiserver.py init --dir DIR --host kube-node-paris --ip 10.1.0.2

  # in kube-node-paris's namespace, in the background (record its pid);
  # it registers kube-node-paris itself (role control-plane)
  netns-lab/kube/apiserver.py serve --dir DIR --listen 0.0.0.0:6443 \
      --node kube-node-paris --node-ip 10.1.0.2 [--pod-cidr 10.1.1.0/24] \
      [--pod NAME=IP | --pod NAMESPACE/NAME=IP ...] [--not-ready-after 40]

  # then kubectl, with the kubeconfig init wrote:
  KUBECONFIG=DIR/cluster-admin.kubeconfig kubectl get nodes

Files in DIR (init): ca.crt, apiserver.crt, apiserver.key, apitoken.secret
(the join token, read by netns-lab/kube-join on stdin), admin.token,
cluster-admin.kubeconfig (certificate-authority-data and the admin token).

Served: discovery (/version, /api, /apis, /api/v1), nodes (cluster scoped),
pods, events and namespaces (namespaced), as JSON or as meta.k8s.io/v1 Table
(kubectl's default output). Nodes register with POST /api/v1/nodes and send
heartbeats with PATCH /api/v1/nodes/NAME/status; a node without a heartbeat
for --not-ready-after seconds turns NotReady (Ready=Unknown) with a
NodeNotReady event, and back to Ready (NodeReady event) when heartbeats
resume. Nodes report their pods with POST/PUT .../namespaces/NS/pods. State
is in memory only. Bearer tokens: admin.token (everything) and
apitoken.secret (node registration, heartbeats, pods, reads); 401 otherwise.
"""

import argparse
import base64
import datetime
import hmac
import http.server
import ipaddress
import json
import os
import secrets
import socket
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse
import uuid

KUBE_VERSION = "v1.32.4"
KUBE_SYSTEM = "kube-system"
NAMESPACES = ("default", "kube-system", "kube-node-lease", "kube-public")
ROLE_LABEL = "node-role.kubernetes.io/"


def log(message):
    print(f"apiserver: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- init


def write_file(path, data, mode=0o644):
    if isinstance(data, str):
        data = data.encode()
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path + ".tmp", mode)
    os.replace(path + ".tmp", path)


def make_certificates(host, ips):
    """A lab CA and a server certificate for HOST and IPS signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    not_before = now - datetime.timedelta(hours=1)
    not_after = now + datetime.timedelta(days=365)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "strait-lab-kubernetes-ca")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName(host), x509.DNSName("kubernetes"), x509.DNSName("localhost")]
    names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return ca_cert.public_bytes(pem), cert.public_bytes(pem), key_pem


def kubeconfig(server, ca_pem, token):
    ca_data = base64.b64encode(ca_pem).decode()
    return f"""apiVersion: v1
kind: Config
clusters:
- name: strait-lab
  cluster:
    server: {server}
    certificate-authority-data: {ca_data}
users:
- name: cluster-admin
  user:
    token: {token}
contexts:
- name: cluster-admin@strait-lab
  context:
    cluster: strait-lab
    user: cluster-admin
current-context: cluster-admin@strait-lab
"""


def command_init(args):
    os.makedirs(args.dir, exist_ok=True)
    ca_pem, cert_pem, key_pem = make_certificates(args.host, args.ip)
    join_token = secrets.token_hex(16)
    admin_token = secrets.token_hex(16)
    server = args.server or f"https://{args.host}:{args.port}"
    d = args.dir
    write_file(os.path.join(d, "ca.crt"), ca_pem)
    write_file(os.path.join(d, "apiserver.crt"), cert_pem)
    write_file(os.path.join(d, "apiserver.key"), key_pem, 0o600)
    write_file(os.path.join(d, "apitoken.secret"), join_token + "\n", 0o600)
    write_file(os.path.join(d, "admin.token"), admin_token + "\n", 0o600)
    write_file(os.path.join(d, "cluster-admin.kubeconfig"),
               kubeconfig(server, ca_pem, admin_token), 0o600)
    print(f"apiserver: wrote the CA, the certificate for {args.host} "
          f"({', '.join(args.ip) or 'no IP'}), the tokens and "
          f"{os.path.join(d, 'cluster-admin.kubeconfig')} (server {server})")
    return 0


# ---------------------------------------------------------------- the cluster


def timestamp(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def human_duration(seconds):
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    s = int(seconds)
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rest = s % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def age(obj, now):
    created = obj["metadata"].get("creationTimestamp")
    if not created:
        return "<unknown>"
    t = datetime.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    return human_duration(now - t)


class ApiError(Exception):
    def __init__(self, code, reason, message):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message


class Cluster:
    """Nodes, pods and events, guarded by one lock."""

    def __init__(self, not_ready_after):
        self.lock = threading.Lock()
        self.not_ready_after = not_ready_after
        self.version = 1
        self.nodes = {}      # name -> Node object
        self.heartbeat = {}  # name -> time.monotonic() of the last heartbeat
        self.ready = {}      # name -> bool
        self.local = set()   # nodes whose heartbeat is the server itself
        self.pods = {}       # (namespace, name) -> Pod object
        self.events = []     # Event objects, oldest first

    def _next_version(self):
        self.version += 1
        return str(self.version)

    def _meta(self, name, namespace=None, labels=None):
        meta = {"name": name, "uid": str(uuid.uuid4()),
                "resourceVersion": self._next_version(),
                "creationTimestamp": timestamp(time.time())}
        if namespace:
            meta["namespace"] = namespace
        if labels:
            meta["labels"] = labels
        return meta

    def _event(self, node, reason, message, component, event_type="Normal"):
        now = timestamp(time.time())
        name = f"{node['metadata']['name']}.{secrets.token_hex(8)}"
        self.events.append({
            "kind": "Event", "apiVersion": "v1",
            "metadata": self._meta(name, KUBE_SYSTEM),
            "involvedObject": {"kind": "Node", "name": node["metadata"]["name"],
                               "uid": node["metadata"]["name"], "apiVersion": "v1"},
            "reason": reason, "message": message,
            "source": {"component": component, "host": node["metadata"]["name"]},
            "firstTimestamp": now, "lastTimestamp": now, "count": 1, "type": event_type,
            "eventTime": None, "reportingComponent": component, "reportingInstance": "",
        })
        log(f"event {reason}: {message}")

    def _ready_condition(self, status, reason, message, heartbeat_time, transition_time):
        return {"type": "Ready", "status": status, "reason": reason, "message": message,
                "lastHeartbeatTime": heartbeat_time, "lastTransitionTime": transition_time}

    @staticmethod
    def _internal_ip(node):
        for address in node.get("status", {}).get("addresses", []):
            if address.get("type") == "InternalIP":
                return address.get("address")
        return None

    def _system_pod(self, name, node_name, ip, component):
        now = timestamp(time.time())
        return {
            "kind": "Pod", "apiVersion": "v1",
            "metadata": self._meta(name, KUBE_SYSTEM, {"component": component,
                                                        "tier": "node"}),
            "spec": {"nodeName": node_name, "hostNetwork": True,
                     "containers": [{"name": component,
                                     "image": f"registry.k8s.io/{component}:{KUBE_VERSION}"}]},
            "status": {"phase": "Running", "podIP": ip, "hostIP": ip,
                       "podIPs": [{"ip": ip}] if ip else [], "startTime": now},
        }

    def register_node(self, body, local=False):
        """POST /api/v1/nodes: the new Node; ApiError 409 if it exists."""
        name = (body.get("metadata") or {}).get("name")
        if not name or not isinstance(name, str):
            raise ApiError(422, "Invalid", "Node: metadata.name: Required value")
        with self.lock:
            if name in self.nodes:
                raise ApiError(409, "AlreadyExists", f'nodes "{name}" already exists')
            labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                      "kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
                      "beta.kubernetes.io/arch": "amd64"}
            labels.update((body.get("metadata") or {}).get("labels") or {})
            status = body.get("status") or {}
            info = {"kubeletVersion": KUBE_VERSION, "kubeProxyVersion": KUBE_VERSION,
                    "osImage": "Strait netns lab", "kernelVersion": os.uname().release,
                    "containerRuntimeVersion": "netns://lab", "operatingSystem": "linux",
                    "architecture": "amd64"}
            info.update(status.get("nodeInfo") or {})
            now = timestamp(time.time())
            node = {
                "kind": "Node", "apiVersion": "v1",
                "metadata": self._meta(name, labels=labels),
                "spec": dict(body.get("spec") or {}),
                "status": {
                    "addresses": list(status.get("addresses") or [])
                    or [{"type": "Hostname", "address": name}],
                    "nodeInfo": info,
                    "conditions": [self._ready_condition(
                        "True", "KubeletReady", "kubelet is posting ready status", now, now)],
                },
            }
            if node["spec"].get("podCIDR"):
                node["spec"].setdefault("podCIDRs", [node["spec"]["podCIDR"]])
            self.nodes[name] = node
            self.heartbeat[name] = time.monotonic()
            self.ready[name] = True
            if local:
                self.local.add(name)
            self._event(node, "RegisteredNode",
                        f"Node {name} event: Registered Node {name} in Controller",
                        "node-controller")
            self._event(node, "NodeReady", f"Node {name} status is now: NodeReady", "kubelet")
            ip = self._internal_ip(node)
            self.pods[(KUBE_SYSTEM, f"kube-proxy-{name}")] = self._system_pod(
                f"kube-proxy-{name}", name, ip, "kube-proxy")
            if ROLE_LABEL + "control-plane" in labels:
                self.pods[(KUBE_SYSTEM, f"kube-apiserver-{name}")] = self._system_pod(
                    f"kube-apiserver-{name}", name, ip, "kube-apiserver")
            log(f"node {name} registered ({ip or 'no InternalIP'})")
            return node

    def node_heartbeat(self, name, body):
        """PATCH /api/v1/nodes/NAME/status: a heartbeat (addresses and
        nodeInfo in the body are taken over)."""
        with self.lock:
            node = self.nodes.get(name)
            if node is None:
                raise ApiError(404, "NotFound", f'nodes "{name}" not found')
            status = (body or {}).get("status") or {}
            if status.get("addresses"):
                node["status"]["addresses"] = list(status["addresses"])
                ip = self._internal_ip(node)
                for pod in self.pods.values():
                    if pod["spec"].get("nodeName") == name and pod["spec"].get("hostNetwork"):
                        pod["status"].update(podIP=ip, hostIP=ip,
                                             podIPs=[{"ip": ip}] if ip else [])
            if status.get("nodeInfo"):
                node["status"]["nodeInfo"].update(status["nodeInfo"])
            self.heartbeat[name] = time.monotonic()
            now = timestamp(time.time())
            condition = node["status"]["conditions"][0]
            if self.ready[name]:
                condition["lastHeartbeatTime"] = now
            else:
                self.ready[name] = True
                node["status"]["conditions"][0] = self._ready_condition(
                    "True", "KubeletReady", "kubelet is posting ready status", now, now)
                node["spec"].pop("taints", None)
                self._event(node, "NodeReady", f"Node {name} status is now: NodeReady",
                            "kubelet")
            node["metadata"]["resourceVersion"] = self._next_version()
            return node

    def put_pod(self, namespace, name, body, create):
        """POST (create) or PUT (replace) a pod reported by a node."""
        meta = body.get("metadata") or {}
        name = name or meta.get("name")
        if not name or not isinstance(name, str):
            raise ApiError(422, "Invalid", "Pod: metadata.name: Required value")
        spec = body.get("spec") or {}
        status = body.get("status") or {}
        node_name = spec.get("nodeName")
        with self.lock:
            key = (namespace, name)
            if create and key in self.pods:
                raise ApiError(409, "AlreadyExists", f'pods "{name}" already exists')
            if not create and key not in self.pods:
                raise ApiError(404, "NotFound", f'pods "{name}" not found')
            ip = status.get("podIP")
            host_ip = None
            if node_name in self.nodes:
                host_ip = self._internal_ip(self.nodes[node_name])
            old = self.pods.get(key)
            pod_meta = self._meta(name, namespace, meta.get("labels") or {"app": "lab-pod"})
            if old:
                pod_meta["uid"] = old["metadata"]["uid"]
                pod_meta["creationTimestamp"] = old["metadata"]["creationTimestamp"]
            container = spec.get("containers") or [{"name": "pod", "image": "netns"}]
            self.pods[key] = {
                "kind": "Pod", "apiVersion": "v1", "metadata": pod_meta,
                "spec": {"nodeName": node_name, "containers": container},
                "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}] if ip else [],
                           "hostIP": host_ip,
                           "startTime": pod_meta["creationTimestamp"]},
            }
            return self.pods[key]

    def check_heartbeats(self):
        """The node controller: NotReady after not_ready_after seconds."""
        with self.lock:
            now = time.monotonic()
            for name, node in self.nodes.items():
                if name in self.local:
                    self.heartbeat[name] = now
                    node["status"]["conditions"][0]["lastHeartbeatTime"] = timestamp(time.time())
                    continue
                if self.ready[name] and now - self.heartbeat[name] > self.not_ready_after:
                    self.ready[name] = False
                    condition = node["status"]["conditions"][0]
                    node["status"]["conditions"][0] = self._ready_condition(
                        "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.",
                        condition["lastHeartbeatTime"], timestamp(time.time()))
                    node["spec"]["taints"] = [{"key": "node.kubernetes.io/unreachable",
                                               "effect": "NoSchedule",
                                               "timeAdded": timestamp(time.time())}]
                    node["metadata"]["resourceVersion"] = self._next_version()
                    self._event(node, "NodeNotReady",
                                f"Node {name} status is now: NodeNotReady", "node-controller")

    def _pod_view(self, pod):
        """A pod as served: not ready while its node is not."""
        pod = json.loads(json.dumps(pod))
        node_ready = self.ready.get(pod["spec"].get("nodeName"), False)
        flag = "True" if node_ready else "False"
        start = pod["status"].get("startTime")
        pod["status"]["conditions"] = [
            {"type": t, "status": "True" if t == "PodScheduled" else flag,
             "lastTransitionTime": start}
            for t in ("PodScheduled", "Initialized", "ContainersReady", "Ready")]
        pod["status"]["containerStatuses"] = [
            {"name": c["name"], "ready": node_ready, "restartCount": 0,
             "image": c.get("image", ""), "imageID": "", "started": True,
             "state": {"running": {"startedAt": start}}}
            for c in pod["spec"]["containers"]]
        return pod

    def list(self, resource, namespace=None):
        with self.lock:
            if resource == "nodes":
                items = [json.loads(json.dumps(n)) for _, n in sorted(self.nodes.items())]
            elif resource == "pods":
                items = [self._pod_view(p) for (ns, _), p in sorted(self.pods.items())
                         if namespace in (None, ns)]
            elif resource == "events":
                items = [json.loads(json.dumps(e)) for e in self.events
                         if namespace in (None, e["metadata"]["namespace"])]
            elif resource == "namespaces":
                items = [{"kind": "Namespace", "apiVersion": "v1",
                          "metadata": {"name": ns, "uid": ns, "resourceVersion": "1",
                                       "creationTimestamp": START_TIME},
                          "status": {"phase": "Active"}} for ns in NAMESPACES]
            else:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            return items, str(self.version)


START_TIME = timestamp(time.time())

# ---------------------------------------------------------------- tables


def column(name, kind="string", priority=0, description="", fmt=""):
    return {"name": name, "type": kind, "format": fmt, "description": description,
            "priority": priority}


def node_row(node, now):
    labels = node["metadata"].get("labels") or {}
    roles = sorted(k[len(ROLE_LABEL):] for k in labels if k.startswith(ROLE_LABEL))
    ready = node["status"]["conditions"][0]["status"]
    status = "Ready" if ready == "True" else "NotReady"
    if any(t.get("effect") == "NoSchedule" and t.get("key") == "node.kubernetes.io/unschedulable"
           for t in node["spec"].get("taints", [])):
        status += ",SchedulingDisabled"
    addresses = {a["type"]: a["address"] for a in node["status"].get("addresses", [])}
    info = node["status"]["nodeInfo"]
    return [node["metadata"]["name"], status, ",".join(roles) or "<none>", age(node, now),
            info.get("kubeletVersion", ""), addresses.get("InternalIP", "<none>"),
            addresses.get("ExternalIP", "<none>"), info.get("osImage", "<unknown>"),
            info.get("kernelVersion", "<unknown>"), info.get("containerRuntimeVersion", "<unknown>")]


def pod_row(pod, now):
    statuses = pod["status"].get("containerStatuses", [])
    ready = sum(1 for s in statuses if s.get("ready"))
    return [pod["metadata"]["name"], f"{ready}/{len(pod['spec']['containers'])}",
            pod["status"].get("phase", "Unknown"),
            sum(s.get("restartCount", 0) for s in statuses), age(pod, now),
            pod["status"].get("podIP") or "<none>", pod["spec"].get("nodeName") or "<none>",
            "<none>", "<none>"]


def event_row(event, now):
    last = event.get("lastTimestamp")
    last_t = datetime.datetime.strptime(last, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    involved = event["involvedObject"]
    source = event.get("source", {})
    return [human_duration(now - last_t), event.get("type", ""), event.get("reason", ""),
            f"{involved['kind'].lower()}/{involved['name']}", involved.get("fieldPath", ""),
            ", ".join(v for v in (source.get("component"), source.get("host")) if v),
            event.get("message", ""), human_duration(now - last_t), event.get("count", 1),
            event["metadata"]["name"]]


def namespace_row(ns, now):
    return [ns["metadata"]["name"], ns["status"]["phase"], age(ns, now)]


TABLES = {
    "nodes": ([column("Name", fmt="name"), column("Status"), column("Roles"), column("Age"),
               column("Version"), column("Internal-IP", priority=1),
               column("External-IP", priority=1), column("OS-Image", priority=1),
               column("Kernel-Version", priority=1), column("Container-Runtime", priority=1)],
              node_row),
    "pods": ([column("Name", fmt="name"), column("Ready"), column("Status"),
              column("Restarts", "string"), column("Age"), column("IP", priority=1),
              column("Node", priority=1), column("Nominated Node", priority=1),
              column("Readiness Gates", priority=1)], pod_row),
    "events": ([column("Last Seen"), column("Type"), column("Reason"), column("Object"),
                column("Subobject", priority=1), column("Source", priority=1),
                column("Message"), column("First Seen", priority=1),
                column("Count", priority=1), column("Name", priority=1)], event_row),
    "namespaces": ([column("Name", fmt="name"), column("Status"), column("Age")],
                   namespace_row),
}


def to_table(resource, items, version, include):
    columns, row = TABLES[resource]
    now = time.time()
    rows = []
    for item in items:
        entry = {"cells": row(item, now)}
        if include == "Object":
            entry["object"] = item
        elif include != "None":
            entry["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                               "metadata": item["metadata"]}
        rows.append(entry)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": version}, "columnDefinitions": columns, "rows": rows}


# ---------------------------------------------------------------- discovery


def resource(name, kind, namespaced, verbs, short=None, singular=""):
    r = {"name": name, "singularName": singular or kind.lower(), "namespaced": namespaced,
         "kind": kind, "verbs": verbs}
    if short:
        r["shortNames"] = short
    if name == "pods":
        r["categories"] = ["all"]
    return r


READ = ["get", "list"]
API_V1 = {
    "kind": "APIResourceList", "groupVersion": "v1",
    "resources": [
        resource("events", "Event", True, READ, ["ev"]),
        resource("namespaces", "Namespace", False, READ, ["ns"]),
        resource("nodes", "Node", False, READ + ["create", "patch", "update"], ["no"]),
        resource("nodes/status", "Node", False, ["get", "patch", "update"], singular=""),
        resource("pods", "Pod", True, READ + ["create", "update"], ["po"]),
        resource("pods/status", "Pod", True, ["get"], singular=""),
    ],
}
VERSION = {"major": "1", "minor": "32", "gitVersion": KUBE_VERSION,
           "gitCommit": "strait-lab", "gitTreeState": "clean",
           "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23",
           "compiler": "gc", "platform": "linux/amd64"}

# ---------------------------------------------------------------- HTTP


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "strait-lab-apiserver"
    cluster = None       # Cluster
    tokens = {}          # token -> "admin" | "node"
    verbose = False

    def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's name)
        if self.verbose:
            log("%s %s" % (self.address_string(), format % args))

    def _send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.wfile.write(data)

    def _status(self, code, reason, message):
        self._send(code, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                          "status": "Failure", "message": message, "reason": reason,
                          "code": code})

    def _role(self):
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        offered = header[len("Bearer "):].strip().encode()
        for token, role in self.tokens.items():
            if hmac.compare_digest(offered, token.encode()):
                return role
        return None

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > 1 << 20:
            raise ApiError(413, "RequestEntityTooLarge", "request body too large")
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw or b"{}")
        except ValueError as error:
            raise ApiError(400, "BadRequest", f"the body is not JSON: {error}") from None
        if not isinstance(body, dict):
            raise ApiError(400, "BadRequest", "the body is not a JSON object")
        return body

    def _handle(self, method):
        try:
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            parts = [p for p in url.path.split("/") if p]
            role = self._role()
            if role is None:
                if self.headers.get("Content-Length"):
                    self.rfile.read(int(self.headers["Content-Length"]))
                self._status(401, "Unauthorized", "Unauthorized")
                return
            if method != "GET" and role not in ("admin", "node"):
                raise ApiError(403, "Forbidden", "forbidden")
            self._route(method, parts, query)
        except ApiError as error:
            self._status(error.code, error.reason, error.message)

    def _route(self, method, parts, query):
        if method == "GET":
            if parts == ["version"]:
                return self._send(200, VERSION)
            if parts == ["api"]:
                return self._send(200, {"kind": "APIVersions", "versions": ["v1"],
                                        "serverAddressByClientCIDRs": [
                                            {"clientCIDR": "0.0.0.0/0",
                                             "serverAddress": self.server.address}]})
            if parts == ["apis"]:
                return self._send(200, {"kind": "APIGroupList", "apiVersion": "v1",
                                        "groups": []})
            if parts == ["api", "v1"]:
                return self._send(200, API_V1)
            if parts in (["healthz"], ["livez"], ["readyz"]):
                data = b"ok"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return None
        if parts[:2] != ["api", "v1"]:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        rest = parts[2:]
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
            if namespace not in NAMESPACES:
                raise ApiError(404, "NotFound", f'namespaces "{namespace}" not found')
            if rest[0] in ("nodes", "namespaces"):
                raise ApiError(404, "NotFound",
                               "the server could not find the requested resource")
        if not rest:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        kind = rest[0]
        if method == "GET":
            return self._get(kind, namespace, rest[1:], query)
        body = self._body()
        if kind == "nodes" and method == "POST" and len(rest) == 1:
            return self._send(201, self.cluster.register_node(body))
        if kind == "nodes" and method in ("PATCH", "PUT") and len(rest) == 3 \
                and rest[2] == "status":
            return self._send(200, self.cluster.node_heartbeat(rest[1], body))
        if kind == "pods" and namespace and method == "POST" and len(rest) == 1:
            return self._send(201, self.cluster.put_pod(namespace, None, body, create=True))
        if kind == "pods" and namespace and method == "PUT" and len(rest) == 2:
            return self._send(200, self.cluster.put_pod(namespace, rest[1], body, create=False))
        raise ApiError(405, "MethodNotAllowed",
                       f"the server does not allow this method on the requested resource")

    def _get(self, kind, namespace, rest, query):
        if kind not in TABLES or len(rest) > 1:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        items, version = self.cluster.list(kind, namespace)
        as_table = "as=Table" in self.headers.get("Accept", "")
        if rest:
            found = [i for i in items if i["metadata"]["name"] == rest[0]]
            if not found:
                raise ApiError(404, "NotFound", f'{kind} "{rest[0]}" not found')
            items = found
        if as_table:
            include = (query.get("includeObject") or ["Metadata"])[0]
            return self._send(200, to_table(kind, items, version, include))
        if rest:
            return self._send(200, items[0])
        item_kind = {"nodes": "Node", "pods": "Pod", "events": "Event",
                     "namespaces": "Namespace"}[kind]
        return self._send(200, {"kind": f"{item_kind}List", "apiVersion": "v1",
                                "metadata": {"resourceVersion": version}, "items": items})

    def do_GET(self):  # noqa: N802
        self._handle("GET")

    def do_POST(self):  # noqa: N802
        self._handle("POST")

    def do_PUT(self):  # noqa: N802
        self._handle("PUT")

    def do_PATCH(self):  # noqa: N802
        self._handle("PATCH")

    def do_DELETE(self):  # noqa: N802
        self._handle("DELETE")


class TlsServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """HTTPS with the TLS handshake in each connection's thread."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, context):
        self.context = context
        self.address = f"{address[0]}:{address[1]}"
        super().__init__(address, Handler)

    def finish_request(self, request, client_address):
        request.settimeout(30)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            if Handler.verbose:
                log(f"TLS handshake with {client_address[0]} failed: {error}")
            return
        try:
            Handler(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass


def read_token(path):
    with open(path, encoding="ascii") as f:
        token = f.read().strip()
    if not token:
        raise SystemExit(f"apiserver: {path} holds no token")
    return token


def parse_pod(text):
    name, sep, ip = text.partition("=")
    namespace, slash, pod = name.rpartition("/")
    if not sep or not pod:
        raise argparse.ArgumentTypeError(f"--pod {text}: expected [NAMESPACE/]NAME=IP")
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--pod {text}: {ip!r} is not an IP address") from None
    return (namespace if slash else "default", pod, ip)


def command_serve(args):
    d = args.dir
    cert = args.cert or os.path.join(d, "apiserver.crt")
    key = args.key or os.path.join(d, "apiserver.key")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    context.load_cert_chain(cert, key)
    tokens = {read_token(args.token_file or os.path.join(d, "admin.token")): "admin",
              read_token(args.join_token_file or os.path.join(d, "apitoken.secret")): "node"}
    cluster = Cluster(args.not_ready_after)
    Handler.cluster = cluster
    Handler.tokens = tokens
    Handler.verbose = args.verbose
    host, _, port = args.listen.rpartition(":")
    server = TlsServer((host.strip("[]") or "0.0.0.0", int(port)), context)
    if args.node:
        labels = {ROLE_LABEL + "control-plane": ""}
        addresses = [{"type": "Hostname", "address": args.node}]
        if args.node_ip:
            addresses.insert(0, {"type": "InternalIP", "address": args.node_ip})
        spec = {"podCIDR": args.pod_cidr} if args.pod_cidr else {}
        cluster.register_node({"metadata": {"name": args.node, "labels": labels},
                               "spec": spec, "status": {"addresses": addresses}}, local=True)
        for namespace, pod, ip in args.pod:
            cluster.put_pod(namespace, pod, {"spec": {"nodeName": args.node},
                                             "status": {"podIP": ip}}, create=True)

    def controller():
        period = min(1.0, args.not_ready_after / 4)
        while True:
            time.sleep(period)
            cluster.check_heartbeats()

    threading.Thread(target=controller, daemon=True).start()
    log(f"serving https://{args.listen} (NotReady after {args.not_ready_after:g} s "
        "without a heartbeat)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="make the certificates, tokens and kubeconfig")
    init.add_argument("--dir", required=True)
    init.add_argument("--host", default="kube-node-paris")
    init.add_argument("--ip", action="append", default=[],
                      help="an IP address for the certificate (repeatable)")
    init.add_argument("--port", type=int, default=6443)
    init.add_argument("--server", help="the kubeconfig's server URL "
                      "(default https://HOST:PORT)")
    serve = sub.add_parser("serve", help="run the API server")
    serve.add_argument("--dir", required=True, help="the directory init wrote")
    serve.add_argument("--listen", default="0.0.0.0:6443")
    serve.add_argument("--cert")
    serve.add_argument("--key")
    serve.add_argument("--token-file", help="the admin token (default DIR/admin.token)")
    serve.add_argument("--join-token-file",
                       help="the join token (default DIR/apitoken.secret)")
    serve.add_argument("--node", help="register this (control-plane) node itself")
    serve.add_argument("--node-ip")
    serve.add_argument("--pod-cidr")
    serve.add_argument("--pod", action="append", default=[], type=parse_pod,
                       help="[NAMESPACE/]NAME=IP: a pod on --node (repeatable)")
    serve.add_argument("--not-ready-after", type=float, default=40.0)
    serve.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if args.command == "init":
        return command_init(args)
    return command_serve(args)


if __name__ == "__main__":
    sys.exit(main())
