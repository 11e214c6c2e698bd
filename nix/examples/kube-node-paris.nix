# kube-node-paris: the seed's Kubernetes master, in the paris region's
# private subnet (172.31.1.20), reaching the tokyo region (172.32.0.0/16)
# through vita-paris (172.31.1.10) with mtu 1440.
#
#   imports = [ /root/strait/nix/examples/kube-node-paris.nix ];  # configuration.nix
#   nixos-rebuild switch
#   cat /var/lib/kubernetes/secrets/apitoken.secret    # for kube-node-tokyo
let
  sites = import ./sites.nix;
in
import ./kube-node.nix {
  site = sites.paris;
  peer = sites.tokyo;
  role = "master";
}
