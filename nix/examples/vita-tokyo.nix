# vita-tokyo: the seed's Vita node of the tokyo region (ap-northeast-1) on EC2,
# NixOS. On the instance, with this repository cloned to /root/strait:
#
#   imports = [ /root/strait/nix/examples/vita-tokyo.nix ];   # configuration.nix
#   install -d -m 700 /var/lib/strait
#   # the route's key: vita-paris's /var/lib/strait/tokyo.key, copied here
#   # (over SSH, never through the store) as /var/lib/strait/paris.key
#   chmod 600 /var/lib/strait/paris.key
#   nixos-rebuild switch && reboot               # isolcpus needs the reboot
#
# The gateway's configuration is the lab's (netns-lab/vita-tokyo.conf) with
# EC2's addresses and the ENIs' MACs (nix/examples/sites.nix: fill in the
# stack's outputs first) and the key from /var/lib/strait/paris.key instead
# of the lab's key, which must never be used outside the lab.
{ ... }:
let
  sites = import ./sites.nix;
in
{
  imports = [ ./vita-gateway.nix ];

  networking.hostName = "vita-tokyo";

  # vita --name tokyo --xdp --cpu 2,3 (the seed), with cores 2 and 3
  # isolated and the channels set at boot: eth1 two queues, eth2 and eth3 one.
  services.strait.instances.tokyo = {
    config = import ./carry-over.nix {
      labConf = ../../netns-lab/vita-tokyo.conf;
      site = sites.tokyo;
      peer = sites.paris;
      keyPlaceholder = "@PARIS_KEY@";
    };
    keyFiles."@PARIS_KEY@" = "/var/lib/strait/paris.key";
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
