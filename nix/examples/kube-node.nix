# What both Kubernetes nodes of the seed share (imported by
# kube-node-paris.nix and kube-node-tokyo.nix): an EC2 instance (c5.large)
# in its region's private subnet, with one ENI (eth0). Its addresses are
# static: they are the stack's (deploy/aws), so the route to the other region
# through the local Vita node is in place as soon as eth0 is up.
{
  site,
  peer,
  role,
}:
{ modulesPath, ... }:
let
  # The tunnel's inner MTU: the lab's configuration says `mtu 1440;`
  # (netns-lab/vita-<site>.conf), and so must every route into the tunnel.
  tunnelMtu = 1440;
  prefix = cidr: builtins.elemAt (builtins.split "/" cidr) 0;
  length = cidr: builtins.fromJSON (builtins.elemAt (builtins.split "/" cidr) 2);
in
{
  imports = [ "${modulesPath}/virtualisation/amazon-image.nix" ];

  networking.hostName = "kube-node-${site.name}";
  networking.usePredictableInterfaceNames = false;
  networking.useDHCP = false;
  networking.defaultGateway = site.privateRouter;
  networking.nameservers = [ "169.254.169.253" ]; # the VPC's DNS (AmazonProvidedDNS)
  networking.interfaces.eth0 = {
    # The whole interface at the tunnel's MTU: flannel then gives its VXLAN
    # overlay 1440 - 50 = 1390, as the lab does (netns-lab/README.md).
    mtu = tunnelMtu;
    ipv4.addresses = [
      {
        address = site.node.ip;
        prefixLength = length site.privateSubnet;
      }
    ];
    # The seed: ip route add <other region> via <vita private ip> dev eth0 mtu 1440
    ipv4.routes = [
      {
        address = prefix peer.vpc;
        prefixLength = length peer.vpc;
        via = site.gateway.private.ip;
        options.mtu = toString tunnelMtu;
      }
    ];
  };

  # As in the seed: both nodes by name, no firewall.
  networking.extraHosts = ''
    ${site.node.ip} kube-node-${site.name}
    ${peer.node.ip} kube-node-${peer.name}
  '';
  networking.firewall.enable = false;

  services.kubernetes = {
    roles = [ role ];
    masterAddress = "kube-node-paris";
    apiserverAddress = "https://kube-node-paris:6443";
    easyCerts = true;
  };
}
