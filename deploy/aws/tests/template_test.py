#!/usr/bin/python3
"""deploy/aws/strait-two-region.yaml, checked offline (no AWS here).

* It parses (CloudFormation's short tags !Ref, !Sub, !If... included).
* Every Ref, Fn::GetAtt, ${...} of Fn::Sub, condition and DependsOn resolves
  to a parameter, a resource (with an attribute its type has), a pseudo
  parameter or a condition; a conditional resource is referenced only where
  the same condition holds; every parameter is used.
* What the seed depends on, evaluated for each QueueCount (conditions and
  Fn::If resolved as CloudFormation would): one public ENI with an Elastic
  IP per queue, attached as eth2, eth3... after the management (eth0) and
  private (eth1) ENIs; the private ENI's source/destination check off; ICMP,
  ESP and UDP 303 on the public interfaces, from anywhere before the peer's
  addresses are known and from the peer only after; SSH only from
  AdminCidr; the private subnet routes the other region via the gateway's
  private ENI.
* The address plan: the template's defaults and deploy/aws/paris.params,
  and deploy/aws/tokyo.params, against the lab's configurations
  (netns-lab/vita-*.conf) and nix/examples/sites.nix.
* cfn-lint, when installed (Debian 12 does not package it).

Usage: template_test.py [SOURCE_DIR]. Exit 77 (skipped) without python3-yaml.
"""

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print("SKIP: python3-yaml is not installed (ci/install-deps)")
    sys.exit(77)

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../.."))
TEMPLATE = os.path.join(ROOT, "deploy/aws/strait-two-region.yaml")

PSEUDO = {"AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
          "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"}
# The resource types the template may use, with the attributes Fn::GetAtt
# may read (CloudFormation's documented return values).
ATTRIBUTES = {
    "AWS::EC2::VPC": {"CidrBlock", "CidrBlockAssociations", "DefaultNetworkAcl", "DefaultSecurityGroup",
                      "Ipv6CidrBlocks", "VpcId"},
    "AWS::EC2::InternetGateway": {"InternetGatewayId"},
    "AWS::EC2::VPCGatewayAttachment": set(),
    "AWS::EC2::Subnet": {"AvailabilityZone", "AvailabilityZoneId", "CidrBlock", "NetworkAclAssociationId",
                         "SubnetId", "VpcId"},
    "AWS::EC2::RouteTable": {"RouteTableId"},
    "AWS::EC2::Route": set(),
    "AWS::EC2::SubnetRouteTableAssociation": {"Id"},
    "AWS::EC2::SecurityGroup": {"GroupId", "VpcId"},
    "AWS::EC2::NetworkInterface": {"Id", "PrimaryPrivateIpAddress", "SecondaryPrivateIpAddresses",
                                   "PrimaryIpv6Address", "Ipv6Addresses", "VpcId"},
    "AWS::EC2::EIP": {"AllocationId", "PublicIp"},
    "AWS::EC2::EIPAssociation": {"Id"},
    "AWS::EC2::Instance": {"AvailabilityZone", "InstanceId", "PrivateDnsName", "PrivateIp", "PublicDnsName",
                           "PublicIp", "VpcId"},
}
SHORT_TAGS = ["Ref", "Condition", "GetAtt", "Sub", "If", "Equals", "Not", "And", "Or", "Select", "Join",
              "Split", "GetAZs", "FindInMap", "Base64", "Cidr", "ImportValue"]

failures = []
passes = 0


def check(ok, name, detail=""):
    global passes
    if ok:
        passes += 1
        print(f"PASS {name}")
    else:
        failures.append(name)
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))


# ------------------------------------------------------------------ parsing
class Loader(yaml.SafeLoader):
    pass


def short_tag(tag):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if tag == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        key = tag if tag in ("Ref", "Condition") else "Fn::" + tag
        return {key: value}
    return construct


for _tag in SHORT_TAGS:
    Loader.add_constructor("!" + _tag, short_tag(_tag))


def load_template(path):
    with open(path) as f:
        return yaml.load(f, Loader=Loader)


def load_params(path):
    params = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                key, _, value = line.partition("=")
                params[key] = value
    return params


# ------------------------------------------------------------- references
def walk(value, visit, guards=frozenset()):
    """Calls visit(node, guards) on every mapping; guards are the conditions
    known to hold there (an Fn::If's first branch holds its condition)."""
    if isinstance(value, dict):
        visit(value, guards)
        if "Fn::If" in value and isinstance(value["Fn::If"], list) and len(value["Fn::If"]) == 3:
            cond, yes, no = value["Fn::If"]
            walk(yes, visit, guards | {cond})
            walk(no, visit, guards)
            return
        for v in value.values():
            walk(v, visit, guards)
    elif isinstance(value, list):
        for v in value:
            walk(v, visit, guards)


def sub_variables(sub):
    text, local = (sub, {}) if isinstance(sub, str) else (sub[0], sub[1])
    names = [m for m in re.findall(r"\$\{([^}!][^}]*)\}", text)]
    return [n for n in names if n not in local]


def check_references(t):
    params, resources, conditions = t.get("Parameters", {}), t["Resources"], t.get("Conditions", {})
    problems, used_params = [], set()

    def target(name, where, guards, attribute=None):
        if name in PSEUDO:
            return
        if name in params and attribute is None:
            used_params.add(name)
            return
        if name not in resources:
            problems.append(f"{where}: {name} is not a parameter, resource or pseudo parameter")
            return
        rtype = resources[name]["Type"]
        if attribute is not None and attribute not in ATTRIBUTES.get(rtype, set()):
            problems.append(f"{where}: {rtype} {name} has no attribute {attribute}")
        needed = resources[name].get("Condition")
        if needed and needed not in guards:
            problems.append(f"{where}: {name} exists only when {needed}, which does not hold here")

    def visitor(where):
        def visit(node, guards):
            if "Ref" in node:
                target(node["Ref"], where, guards)
            if "Fn::GetAtt" in node:
                res, attr = node["Fn::GetAtt"]
                target(res, where, guards, attr)
            if "Fn::Sub" in node:
                for var in sub_variables(node["Fn::Sub"]):
                    res, _, attr = var.partition(".")
                    target(res, where, guards, attr or None)
            if "Fn::If" in node:
                if node["Fn::If"][0] not in conditions:
                    problems.append(f"{where}: Fn::If on unknown condition {node['Fn::If'][0]}")
            if "Condition" in node and isinstance(node["Condition"], str) and where.startswith("Conditions"):
                if node["Condition"] not in conditions:
                    problems.append(f"{where}: unknown condition {node['Condition']}")
        return visit

    for name, cond in conditions.items():
        walk(cond, visitor(f"Conditions.{name}"))
    for name, res in resources.items():
        if res["Type"] not in ATTRIBUTES:
            problems.append(f"Resources.{name}: type {res['Type']} is not one this test knows")
        guard = {res["Condition"]} if "Condition" in res else set()
        if "Condition" in res and res["Condition"] not in conditions:
            problems.append(f"Resources.{name}: unknown condition {res['Condition']}")
        depends = res.get("DependsOn", [])
        for dep in [depends] if isinstance(depends, str) else depends:
            if dep not in resources:
                problems.append(f"Resources.{name}: DependsOn unknown {dep}")
            elif resources[dep].get("Condition") and resources[dep].get("Condition") not in guard:
                problems.append(f"Resources.{name}: DependsOn {dep}, which exists only when {resources[dep]['Condition']}")
        walk(res.get("Properties", {}), visitor(f"Resources.{name}"), frozenset(guard))
    for name, out in t.get("Outputs", {}).items():
        guard = {out["Condition"]} if "Condition" in out else set()
        if "Condition" in out and out["Condition"] not in conditions:
            problems.append(f"Outputs.{name}: unknown condition {out['Condition']}")
        walk(out["Value"], visitor(f"Outputs.{name}"), frozenset(guard))
    unused = sorted(set(params) - used_params)
    return problems, unused


# ------------------------------------------------------------- evaluation
class Stack:
    """The template as CloudFormation would instantiate it for `values`
    (parameter values as strings; defaults for the rest)."""

    def __init__(self, t, values):
        self.t = t
        self.params = {k: str(v.get("Default", "")) for k, v in t["Parameters"].items()}
        self.params.update({k: str(v) for k, v in values.items()})
        self._conditions = {}

    def ref(self, name):
        return self.params[name]

    def condition(self, name):
        if name not in self._conditions:
            self._conditions[name] = self.truth(self.t["Conditions"][name])
        return self._conditions[name]

    def truth(self, expr):
        if "Fn::Equals" in expr:
            a, b = (self.scalar(x) for x in expr["Fn::Equals"])
            return a == b
        if "Fn::Not" in expr:
            return not self.truth(expr["Fn::Not"][0])
        if "Fn::And" in expr:
            return all(self.truth(x) for x in expr["Fn::And"])
        if "Fn::Or" in expr:
            return any(self.truth(x) for x in expr["Fn::Or"])
        if "Condition" in expr:
            return self.condition(expr["Condition"])
        raise ValueError(f"not a condition: {expr}")

    def scalar(self, x):
        if isinstance(x, dict) and "Ref" in x:
            return self.ref(x["Ref"])
        return str(x)

    def resolve(self, value):
        """Fn::If chosen, AWS::NoValue removed; other functions kept."""
        if isinstance(value, dict):
            if "Fn::If" in value:
                cond, yes, no = value["Fn::If"]
                return self.resolve(yes if self.condition(cond) else no)
            out = {}
            for k, v in value.items():
                r = self.resolve(v)
                if not (isinstance(r, dict) and r.get("Ref") == "AWS::NoValue"):
                    out[k] = r
            return out
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if not (isinstance(v, dict) and v.get("Ref") == "AWS::NoValue")]
        return value

    def value(self, expr):
        """A resolved property as a plain value, where it is one (Ref of a
        parameter, Fn::Select of a list parameter, Fn::Sub of parameters)."""
        expr = self.resolve(expr)
        if isinstance(expr, dict):
            if "Ref" in expr and expr["Ref"] in self.params:
                return self.params[expr["Ref"]]
            if "Fn::Select" in expr:
                index, lst = expr["Fn::Select"]
                if isinstance(lst, dict) and "Ref" in lst and lst["Ref"] in self.params:
                    return self.params[lst["Ref"]].split(",")[int(index)]
            if "Fn::Sub" in expr and isinstance(expr["Fn::Sub"], str):
                return re.sub(r"\$\{([^}]+)\}", lambda m: self.params.get(m.group(1), m.group(0)), expr["Fn::Sub"])
        return expr

    def resources(self):
        return {name: dict(res, Properties=self.resolve(res.get("Properties", {})))
                for name, res in self.t["Resources"].items()
                if "Condition" not in res or self.condition(res["Condition"])}

    def outputs(self):
        return {name: out for name, out in self.t["Outputs"].items()
                if "Condition" not in out or self.condition(out["Condition"])}


def ref_to(expr):
    return expr.get("Ref") if isinstance(expr, dict) else None


def ingress(stack, sg):
    rules = []
    for rule in stack.resources()[sg]["Properties"].get("SecurityGroupIngress", []):
        rules.append({
            "proto": str(stack.value(rule["IpProtocol"])),
            "from": str(stack.value(rule.get("FromPort", ""))),
            "to": str(stack.value(rule.get("ToPort", ""))),
            "cidr": stack.value(rule.get("CidrIp")),
        })
    return rules


# ------------------------------------------------------------ the lab's plan
def lab_plan(site):
    text = open(os.path.join(ROOT, f"netns-lab/vita-{site}.conf")).read()
    private = re.search(r"private-interface4\s*\{(.*?)\}", text, re.S).group(1)
    return {
        "private_ip": re.search(r"\bip ([0-9.]+);", private).group(1),
        "nexthop": re.search(r"nexthop-ip ([0-9.]+);", private).group(1),
        "net": re.search(r'net "([0-9./]+)";', text).group(1),
        "queues": len(re.findall(r"public-interface4\s*\{", text)),
        "mtu": int(re.search(r"\nmtu (\d+);", text).group(1)),
    }


def sites_nix():
    """nix/examples/sites.nix as JSON, when nix-instantiate is installed."""
    if not shutil.which("nix-instantiate"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NIX_STORE_DIR=f"{tmp}/store", NIX_STATE_DIR=f"{tmp}/var",
                   NIX_LOG_DIR=f"{tmp}/log", NIX_CONF_DIR=f"{tmp}/etc", HOME=tmp, NIX_PATH="")
        os.makedirs(f"{tmp}/etc")
        out = subprocess.run(["nix-instantiate", "--option", "build-users-group", "", "--readonly-mode",
                              "--eval", "--strict", "--json", os.path.join(ROOT, "nix/examples/sites.nix")],
                             env=env, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        return json.loads(out.stdout)


def usable(address, subnet):
    """In the subnet and not one of the five addresses AWS reserves in it."""
    net = ipaddress.ip_network(subnet)
    ip = ipaddress.ip_address(address)
    reserved = {net.network_address + i for i in range(4)} | {net.broadcast_address}
    return ip in net and ip not in reserved


# ------------------------------------------------------------------- checks
def main():
    t = load_template(TEMPLATE)
    check(isinstance(t, dict) and t.get("AWSTemplateFormatVersion") == "2010-09-09"
          and {"Parameters", "Conditions", "Resources", "Outputs"} <= set(t),
          "parse: a CloudFormation template with parameters, conditions, resources and outputs")

    problems, unused = check_references(t)
    check(not problems, "references: every Ref, GetAtt, Sub variable, condition and DependsOn resolves",
          "; ".join(problems))
    check(not unused, "references: every parameter is used", ", ".join(unused))

    params = t["Parameters"]
    check(params["ImageId"]["Type"] == "AWS::EC2::Image::Id" and params["KeyName"]["Type"] == "AWS::EC2::KeyPair::KeyName"
          and "Default" not in params["AdminCidr"],
          "parameters: the AMI and key pair are typed, the SSH source has no default")
    check({"GatewayInstanceType", "NodeInstanceType", "VpcCidr", "PublicSubnetCidr", "PrivateSubnetCidr",
           "RemoteCidr", "QueueCount"} <= set(params),
          "parameters: instance types, address plan and queue count")

    # One public ENI (with an Elastic IP) per queue, attached in order.
    counts = [str(v) for v in params["QueueCount"]["AllowedValues"]]
    for n in counts:
        stack = Stack(t, {"QueueCount": n})
        res = stack.resources()
        public = sorted(name for name, r in res.items() if r["Type"] == "AWS::EC2::NetworkInterface"
                        and {"Ref": "PublicSecurityGroup"} in r["Properties"]["GroupSet"])
        check(len(public) == int(n), f"QueueCount {n}: {n} public ENIs", f"got {public}")
        associated = {ref_to(r["Properties"]["NetworkInterfaceId"]) for r in res.values()
                      if r["Type"] == "AWS::EC2::EIPAssociation"}
        eips = [ref_to(r["Properties"]["NetworkInterfaceId"]) for r in res.values()
                if r["Type"] == "AWS::EC2::EIPAssociation"
                and r["Properties"]["AllocationId"]["Fn::GetAtt"][0] in res]
        check(set(public) <= associated and len(eips) == int(n) + 1,
              f"QueueCount {n}: an Elastic IP on each public ENI and on the management ENI",
              f"associations {sorted(associated)}")
        nics = res["Gateway"]["Properties"]["NetworkInterfaces"]
        order = [(nic["DeviceIndex"], ref_to(nic["NetworkInterfaceId"])) for nic in nics]
        expected = [("0", "GatewayManagementEni"), ("1", "GatewayPrivateEni")] + [
            (str(2 + q), f"GatewayPublicEni{q + 1}") for q in range(int(n))]
        check(order == expected, f"QueueCount {n}: the gateway's ENIs are eth0 management, eth1 private, eth2.. public",
              f"got {order}")
        addresses = [stack.value(res[f"GatewayPublicEni{q + 1}"]["Properties"]["PrivateIpAddress"])
                     for q in range(int(n))]
        check(addresses == stack.params["GatewayPublicIps"].split(",")[:int(n)],
              f"QueueCount {n}: queue i's ENI has the i-th of GatewayPublicIps", f"got {addresses}")
        outs = stack.outputs()
        check(all(f"PublicIp{q + 1}" in outs for q in range(int(n))) and f"PublicIp{int(n) + 1}" not in outs,
              f"QueueCount {n}: outputs PublicIp1..{n}")

    stack = Stack(t, {})
    res = stack.resources()
    private = res["GatewayPrivateEni"]["Properties"]
    check(private.get("SourceDestCheck") is False, "private ENI: source/destination check disabled",
          f"SourceDestCheck {private.get('SourceDestCheck')!r}")
    check(ref_to(private["SubnetId"]) == "PrivateSubnet" and stack.value(private["PrivateIpAddress"]) == stack.params["GatewayPrivateIp"],
          "private ENI: in the private subnet, at GatewayPrivateIp")
    publics = [r for r in res.values() if r["Type"] == "AWS::EC2::NetworkInterface"
               and {"Ref": "PublicSecurityGroup"} in r["Properties"]["GroupSet"]]
    check(all(r["Properties"].get("SourceDestCheck", True) is True for r in publics),
          "public ENIs: source/destination check kept (the gateway sends from their own addresses)")

    # Security groups: before and after the peer's addresses are known.
    def allows(rules, proto, cidr, port=None):
        return any(r["proto"] == proto and r["cidr"] == cidr and (port is None or (r["from"], r["to"]) == (port, port))
                   for r in rules)

    open_rules = ingress(stack, "PublicSecurityGroup")
    check(allows(open_rules, "50", "0.0.0.0/0") and allows(open_rules, "udp", "0.0.0.0/0", "303")
          and allows(open_rules, "icmp", "0.0.0.0/0"),
          "public SG, peer unknown: ESP, UDP 303 and ICMP from anywhere", json.dumps(open_rules))
    peers = {"PeerPublicIp1": "203.0.113.10", "PeerPublicIp2": "203.0.113.11"}
    peer_rules = ingress(Stack(t, peers), "PublicSecurityGroup")
    from_peers = all(allows(peer_rules, p, f"{ip}/32", port) for ip in peers.values()
                     for p, port in (("50", None), ("udp", "303"), ("icmp", None)))
    only_peers = all(r["cidr"] != "0.0.0.0/0" or (r["proto"], r["from"], r["to"]) == ("icmp", "3", "4")
                     for r in peer_rules)
    check(from_peers and only_peers,
          "public SG, peer known: ESP, UDP 303 and ICMP from the peer's Elastic IPs only (and Fragmentation Needed from anywhere)",
          json.dumps(peer_rules))
    check(not any(r["proto"] == "tcp" for r in open_rules + peer_rules), "public SG: no TCP port open")
    ssh = [r for sg in ("ManagementSecurityGroup", "NodeSecurityGroup", "PublicSecurityGroup", "PrivateSecurityGroup")
           for r in ingress(stack, sg) if r["proto"] in ("tcp", "-1") and r["cidr"] == "0.0.0.0/0"]
    check(not ssh, "security groups: nothing but ICMP, ESP and UDP 303 from anywhere", json.dumps(ssh))
    check(allows(ingress(stack, "ManagementSecurityGroup"), "tcp", stack.params["AdminCidr"], "22"),
          "management SG: SSH from AdminCidr")

    # The other region through the gateway's private ENI.
    route = res["RemoteRoute"]["Properties"]
    check(ref_to(route["RouteTableId"]) == "PrivateRouteTable" and ref_to(route["DestinationCidrBlock"]) == "RemoteCidr"
          and ref_to(route["NetworkInterfaceId"]) == "GatewayPrivateEni",
          "routes: the private subnet's route table sends RemoteCidr to the gateway's private ENI")
    associations = {(ref_to(r["Properties"]["SubnetId"]), ref_to(r["Properties"]["RouteTableId"]))
                    for r in res.values() if r["Type"] == "AWS::EC2::SubnetRouteTableAssociation"}
    check(("PrivateSubnet", "PrivateRouteTable") in associations and ("PublicSubnet", "PublicRouteTable") in associations,
          "routes: each subnet has its route table", str(associations))
    node_nic = res["Node"]["Properties"]["NetworkInterfaces"][0]
    check(ref_to(node_nic["SubnetId"]) == "PrivateSubnet" and stack.value(node_nic["PrivateIpAddress"]) == stack.params["NodeIp"],
          "node: in the private subnet, at NodeIp")

    # The address plan.
    paris_params = load_params(os.path.join(ROOT, "deploy/aws/paris.params"))
    tokyo_params = load_params(os.path.join(ROOT, "deploy/aws/tokyo.params"))
    defaults = {k: str(v.get("Default")) for k, v in params.items() if "Default" in v}
    check(all(k in params for k in list(paris_params) + list(tokyo_params)),
          "params files: only the template's parameters")
    check(all(defaults.get(k) == v for k, v in paris_params.items()), "paris.params: the template's defaults",
          str({k: (defaults.get(k), v) for k, v in paris_params.items() if defaults.get(k) != v}))
    plans = {}
    for site, values in (("paris", paris_params), ("tokyo", tokyo_params)):
        p = dict(defaults, **values)
        plans[site] = p
        lab = lab_plan(site)
        check((p["GatewayPrivateIp"], p["NodeIp"], p["RemoteCidr"]) == (lab["private_ip"], lab["nexthop"], lab["net"]),
              f"{site}: private address, node and remote net as netns-lab/vita-{site}.conf",
              f"template {(p['GatewayPrivateIp'], p['NodeIp'], p['RemoteCidr'])}, lab {(lab['private_ip'], lab['nexthop'], lab['net'])}")
        check(p["QueueCount"] == str(lab["queues"]), f"{site}: as many queues as the lab ({lab['queues']})")
        vpc = ipaddress.ip_network(p["VpcCidr"])
        subnets_ok = (ipaddress.ip_network(p["PublicSubnetCidr"]).subnet_of(vpc)
                      and ipaddress.ip_network(p["PrivateSubnetCidr"]).subnet_of(vpc)
                      and not ipaddress.ip_network(p["PublicSubnetCidr"]).overlaps(ipaddress.ip_network(p["PrivateSubnetCidr"])))
        check(subnets_ok, f"{site}: both subnets in the VPC, apart")
        addresses_ok = (usable(p["GatewayPrivateIp"], p["PrivateSubnetCidr"]) and usable(p["NodeIp"], p["PrivateSubnetCidr"])
                        and usable(p["GatewayManagementIp"], p["PublicSubnetCidr"])
                        and all(usable(a, p["PublicSubnetCidr"]) for a in p["GatewayPublicIps"].split(","))
                        and len(set(p["GatewayPublicIps"].split(",") + [p["GatewayManagementIp"]])) == 5)
        check(addresses_ok, f"{site}: every fixed address usable in its subnet (AWS reserves the first four and the last), none twice")
    check(plans["paris"]["RemoteCidr"] == plans["tokyo"]["VpcCidr"] and plans["tokyo"]["RemoteCidr"] == plans["paris"]["VpcCidr"]
          and not ipaddress.ip_network(plans["paris"]["VpcCidr"]).overlaps(ipaddress.ip_network(plans["tokyo"]["VpcCidr"])),
          "paris and tokyo: each routes the other's VPC, and the VPCs do not overlap")

    sites = sites_nix()
    if sites is None:
        print("note: nix-instantiate not found: nix/examples/sites.nix not compared with the template")
    else:
        for site in ("paris", "tokyo"):
            p, s = plans[site], sites[site]
            public_net = ipaddress.ip_network(p["PublicSubnetCidr"])
            private_net = ipaddress.ip_network(p["PrivateSubnetCidr"])
            got = (s["vpc"], s["publicSubnet"], s["privateSubnet"], s["gateway"]["management"], s["gateway"]["private"]["ip"],
                   [q["ip"] for q in s["gateway"]["public"]], s["node"]["ip"], s["publicRouter"], s["privateRouter"])
            want = (p["VpcCidr"], p["PublicSubnetCidr"], p["PrivateSubnetCidr"], p["GatewayManagementIp"], p["GatewayPrivateIp"],
                    p["GatewayPublicIps"].split(",")[:len(s["gateway"]["public"])], p["NodeIp"],
                    str(public_net.network_address + 1), str(private_net.network_address + 1))
            check(got == want, f"{site}: nix/examples/sites.nix has the template's address plan (routers: subnet + 1)",
                  f"sites.nix {got}, template {want}")

    if shutil.which("cfn-lint"):
        out = subprocess.run(["cfn-lint", TEMPLATE], capture_output=True, text=True)
        check(out.returncode == 0, "cfn-lint", out.stdout + out.stderr)
    else:
        print("note: cfn-lint not installed (not packaged in Debian 12): not run")

    print(f"{passes} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
