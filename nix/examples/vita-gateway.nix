# What both Vita nodes of the seed share (imported by vita-paris.nix and
# vita-tokyo.nix): an EC2 instance (c5.xlarge: 4 vCPUs, 4 ENIs) running
# NixOS, with the strait module.
#
#   eth0  management (SSH), DHCP           device index 0, public subnet
#   eth1  private interface of the gateway device index 1, private subnet
#   eth2  public interface, queue 1        device index 2, public subnet
#   eth3  public interface, queue 2        device index 3, public subnet
{
  lib,
  pkgs,
  modulesPath,
  ...
}:
{
  imports = [
    "${modulesPath}/virtualisation/amazon-image.nix"
    ../module.nix
  ];

  # The ENIs are named by device index, eth0..eth3, as in the seed and in
  # the lab's configuration files (ifname eth1...), not ens5..ens8.
  networking.usePredictableInterfaceNames = false;

  # The seed built Linux 5.5 for CONFIG_XDP_SOCKETS and an ENA driver that
  # supports `ethtool --set-channels`. NixOS' default kernel has both today;
  # `strait check-host` (the strait-interfaces-* unit) says so at every boot.
  # boot.kernelPackages = pkgs.linuxPackages_latest;

  # The ENA driver runs XDP natively only with an MTU of at most 3498 (the
  # VPC's default is 9001). 1500 carries the tunnel: mtu 1440 inside, about
  # 57 bytes of ESP and outer IPv4 around it.
  networking.interfaces = lib.genAttrs [
    "eth1"
    "eth2"
    "eth3"
  ] (_: { mtu = 1500; });

  environment.systemPackages = [
    pkgs.ethtool
    pkgs.tcpdump
    pkgs.iperf3
  ];
}
