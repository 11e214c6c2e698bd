# Carries a gateway configuration that passed the lab (netns-lab/vita-<site>.conf)
# over to EC2, changing only what EC2 decides (docs/ec2.md, "From the lab to
# EC2"):
#   * each public interface: `ip` becomes the ENI's private address and
#     `nat-ip` its Elastic IP (EC2 translates between them; the peer and the
#     key exchange see the Elastic IP), `nexthop-ip` the public subnet's
#     router, `mac` the ENI's MAC;
#   * the route's gateways: the peer's Elastic IPs;
#   * the private interface's `mac`: the private ENI's MAC (its address and
#     next hop, the Kubernetes node, are the lab's);
#   * the pre-shared key: a placeholder, replaced at service start by the key
#     of a file outside the Nix store (services.strait.instances.<name>.keyFiles).
# Everything else (queues, device queues, mtu, route, spi) is the lab's text.
#
# Builtins only (no nixpkgs): nix/tests evaluates it. Each lab value it
# replaces must occur exactly once in the lab's file, or evaluation stops and
# says which, so a change to the lab cannot be carried over half.
{
  labConf,
  site,
  peer,
  keyPlaceholder,
}:
let
  labText = builtins.readFile labConf;
  labName = baseNameOf (toString labConf);

  lines = builtins.filter builtins.isString (builtins.split "\n" labText);
  dropWhile = pred: list: if list != [ ] && pred (builtins.head list) then dropWhile pred (builtins.tail list) else list;
  isComment = line: builtins.substring 0 2 line == "//";
  body = builtins.concatStringsSep "\n" (dropWhile isComment lines);

  occurrences =
    needle:
    (builtins.stringLength body - builtins.stringLength (builtins.replaceStrings [ needle ] [ "" ] body))
    / builtins.stringLength needle;
  once =
    needle:
    if occurrences needle == 1 then
      needle
    else
      throw "carry-over: ${labName} holds '${needle}' ${toString (occurrences needle)} times instead of once: update nix/examples/sites.nix to the lab's file";

  queues = builtins.genList (i: i) (builtins.length site.gateway.public);
  at = list: i: builtins.elemAt list i;

  ownPublic = map (i: {
    from = once "ip ${(at site.lab.public i).ip};";
    to = "ip ${(at site.gateway.public i).ip};\n  nat-ip ${(at site.gateway.public i).eip};";
  }) queues;
  ownMacs = map (i: {
    from = once "mac ${(at site.lab.public i).mac};";
    to = "mac ${(at site.gateway.public i).mac};";
  }) queues;
  peerGateways = map (i: {
    from = once "ip ${(at peer.lab.public i).ip};";
    to = "ip ${(at peer.gateway.public i).eip};";
  }) queues;
  # Both public interfaces share the router: it may occur once per queue.
  router = {
    from = "nexthop-ip ${site.lab.router};";
    to = "nexthop-ip ${site.publicRouter};";
  };
  privateMac = {
    from = once "mac ${site.lab.privateMac};";
    to = "mac ${site.gateway.private.mac};";
  };

  replacements =
    if builtins.length site.lab.public != builtins.length site.gateway.public then
      throw "carry-over: nix/examples/sites.nix gives ${site.name} ${toString (builtins.length site.gateway.public)} public interfaces, the lab ${toString (builtins.length site.lab.public)}"
    else if occurrences router.from != builtins.length queues then
      throw "carry-over: ${labName} does not use ${site.lab.router} as the next hop of each public interface"
    else
      [
        router
        privateMac
      ]
      ++ ownPublic
      ++ ownMacs
      ++ peerGateways;

  addressed = builtins.replaceStrings (map (r: r.from) replacements) (map (r: r.to) replacements) body;

  # The key, whatever it is, becomes the placeholder.
  keyPattern = "preshared-key[[:space:]]+\"[0-9A-Fa-f ]+\"";
  pieces = builtins.split keyPattern addressed;
  keys = (builtins.length pieces - 1) / 2;
  keyed =
    if keys != 1 then
      throw "carry-over: ${labName} holds ${toString keys} pre-shared keys; this carry-over handles one route"
    else
      builtins.concatStringsSep "" (
        map (p: if builtins.isList p then "preshared-key \"${keyPlaceholder}\"" else p) pieces
      );
in
''
  // vita-${site.name} on EC2 (${site.region}): netns-lab/${labName} carried over by
  // nix/examples/carry-over.nix. Public interfaces: the ENIs' private
  // addresses, their Elastic IPs as nat-ip, the subnet's router; the peer's
  // Elastic IPs; the ENIs' MACs; the key from a file outside the Nix store.
''
+ keyed
