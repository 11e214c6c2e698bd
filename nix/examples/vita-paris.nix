# vita-paris: the seed's Vita node of the paris region (eu-west-3) on EC2,
# NixOS. On the instance, with this repository cloned to /root/strait:
#
#   imports = [ /root/strait/nix/examples/vita-paris.nix ];   # configuration.nix
#   install -d -m 700 /var/lib/strait
#   strait keygen > /var/lib/strait/tokyo.key    # once, then copy it to vita-tokyo
#   chmod 600 /var/lib/strait/tokyo.key
#   nixos-rebuild switch && reboot               # isolcpus needs the reboot
#
# The gateway's configuration is the lab's (netns-lab/vita-paris.conf) with
# EC2's addresses and the ENIs' MACs (nix/examples/sites.nix: fill in the
# stack's outputs first) and the key from /var/lib/strait/tokyo.key instead
# of the lab's key, which must never be used outside the lab.
{ ... }:
let
  sites = import ./sites.nix;
in
{
  imports = [ ./vita-gateway.nix ];

  networking.hostName = "vita-paris";

  # vita --name paris --xdp --cpu 2,3 (the seed), with cores 2 and 3
  # isolated and the channels set at boot: eth1 two queues, eth2 and eth3 one.
  services.strait.instances.paris = {
    config = import ./carry-over.nix {
      labConf = ../../netns-lab/vita-paris.conf;
      site = sites.paris;
      peer = sites.tokyo;
      keyPlaceholder = "@TOKYO_KEY@";
    };
    keyFiles."@TOKYO_KEY@" = "/var/lib/strait/tokyo.key";
    backend = "xdp";
    cpus = [
      2
      3
    ];
    interfaces = [
      "eth1"
      "eth2"
      "eth3"
    ];
  };
}
