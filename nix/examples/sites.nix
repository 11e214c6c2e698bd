# The two regions of the seed on EC2: the address plan of
# deploy/aws/strait-two-region.yaml (its defaults for paris, and
# deploy/aws/tokyo.params), which is the lab's (netns-lab/README.md) wherever
# EC2 lets us choose: the VPCs, the private subnets, the gateways' private
# addresses and the Kubernetes nodes'.
#
# What EC2 chooses, fill in after `aws cloudformation deploy` (docs/ec2.md,
# step 3), from each stack's outputs:
#   eip   the Elastic IP of each public ENI (outputs PublicIp1, PublicIp2);
#         until then the lab's public addresses stand in for them
#   mac   each ENI's MAC address (outputs *Eni*, then
#         `aws ec2 describe-network-interfaces --network-interface-ids ENI
#          --query 'NetworkInterfaces[].MacAddress'`, or `ip -br link` on the
#         gateway); until then the seed's (and the lab's) MACs stand in
#
# `lab` holds what netns-lab/vita-<site>.conf says, so that
# nix/examples/carry-over.nix can turn the lab's file into this region's.
{
  paris = {
    name = "paris";
    region = "eu-west-3";
    vpc = "172.31.0.0/16";
    publicSubnet = "172.31.0.0/24";
    publicRouter = "172.31.0.1"; # the VPC router: the subnet's first address
    privateSubnet = "172.31.1.0/24";
    privateRouter = "172.31.1.1";
    gateway = {
      management = "172.31.0.5"; # eth0, SSH
      private = {
        ip = "172.31.1.10"; # eth1
        mac = "0a:cc:b1:e4:24:d2";
      };
      public = [
        {
          ip = "172.31.0.10"; # eth2, queue 1
          eip = "198.51.100.10";
          mac = "0a:42:13:9e:a8:ae";
        }
        {
          ip = "172.31.0.11"; # eth3, queue 2
          eip = "198.51.100.11";
          mac = "0a:33:39:04:9c:ac";
        }
      ];
    };
    node.ip = "172.31.1.20"; # kube-node-paris, eth0
    lab = {
      privateMac = "0a:cc:b1:e4:24:d2";
      public = [
        {
          ip = "198.51.100.10";
          mac = "0a:42:13:9e:a8:ae";
        }
        {
          ip = "198.51.100.11";
          mac = "0a:33:39:04:9c:ac";
        }
      ];
      router = "198.51.100.1";
    };
  };

  tokyo = {
    name = "tokyo";
    region = "ap-northeast-1";
    vpc = "172.32.0.0/16";
    publicSubnet = "172.32.0.0/24";
    publicRouter = "172.32.0.1";
    privateSubnet = "172.32.1.0/24";
    privateRouter = "172.32.1.1";
    gateway = {
      management = "172.32.0.5";
      private = {
        ip = "172.32.1.10";
        mac = "0a:d5:6e:01:7a:10";
      };
      public = [
        {
          ip = "172.32.0.10";
          eip = "203.0.113.10";
          mac = "0a:d5:6e:02:7a:10";
        }
        {
          ip = "172.32.0.11";
          eip = "203.0.113.11";
          mac = "0a:d5:6e:03:7a:11";
        }
      ];
    };
    node.ip = "172.32.1.20";
    lab = {
      privateMac = "0a:d5:6e:01:7a:10";
      public = [
        {
          ip = "203.0.113.10";
          mac = "0a:d5:6e:02:7a:10";
        }
        {
          ip = "203.0.113.11";
          mac = "0a:d5:6e:03:7a:11";
        }
      ];
      router = "203.0.113.1";
    };
  };
}
