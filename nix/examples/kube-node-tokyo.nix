# kube-node-tokyo: the seed's Kubernetes node, in the tokyo region's private
# subnet (172.32.1.20), reaching the paris region (172.31.0.0/16), and so
# its master kube-node-paris, through vita-tokyo (172.32.1.10) with mtu 1440.
#
#   imports = [ /root/strait/nix/examples/kube-node-tokyo.nix ];  # configuration.nix
#   nixos-rebuild switch
#   nixos-kubernetes-node-join < apitoken.secret     # the master's token
let
  sites = import ./sites.nix;
in
import ./kube-node.nix {
  site = sites.tokyo;
  peer = sites.paris;
  role = "node";
}
