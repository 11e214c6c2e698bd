# The checks of nix/tests/nix_test.sh: nix/module.nix, nix/package.nix and
# nix/examples evaluated with the stand-ins of stubs.nix, and what they
# produce compared with what the seed sets up by hand.
#
#   nix-instantiate --eval --strict nix/tests/eval.nix -A result
#
# gives { checks = N; failed = [ "name: got ..., expected ..." ... ]; }.
# `scripts` holds the text of the keyFiles script of vita-paris, which
# nix_test.sh runs.
let
  stubs = import ./stubs.nix;
  inherit (stubs) lib evalStrait evalExample;
  inherit (builtins)
    attrNames
    elem
    filter
    head
    length
    toJSON
    ;

  check = name: ok: {
    inherit name ok;
    detail = "";
  };
  checkEq = name: actual: expected: {
    inherit name;
    ok = actual == expected;
    detail = "got ${toJSON actual}, expected ${toJSON expected}";
  };
  # The first argument must hold every element of the second.
  checkHas = name: actual: expected: {
    inherit name;
    ok = builtins.all (x: elem x actual) expected;
    detail = "got ${toJSON actual}, expected it to hold ${toJSON expected}";
  };
  hasInfix = infix: s: builtins.replaceStrings [ infix ] [ "" ] s != s;

  store = "/nix/store/00000000000000000000000000000000";
  strait = "${store}-strait-${package.version}/bin/strait";

  # ---------------------------------------------------------------- module
  two = evalStrait {
    instances = {
      paris = {
        configFile = "/run/agenix/strait-paris.conf";
        cpus = [
          2
          3
        ];
        interfaces = [
          "eth1"
          "eth2"
          "eth3"
        ];
        busywait = true;
        metricsAddress = "127.0.0.1:9100";
      };
      osaka = {
        config = "private-interface4 { ifname eth4; }\n";
        backend = "af-packet";
        cpus = [ 5 ];
      };
    };
  };
  c = two.config;
  paris = c.systemd.services.strait-paris;
  parisIf = c.systemd.services.strait-interfaces-paris;
  osaka = c.systemd.services.strait-osaka;
  osakaIf = c.systemd.services.strait-interfaces-osaka;
  failedAssertions = cfg: map (a: a.message) (filter (a: !a.assertion) cfg.assertions);

  # Broken settings the assertions must catch, one each.
  brokenShared = evalStrait {
    instances = {
      a = {
        configFile = "/etc/a.conf";
        cpus = [ 2 ];
      };
      b = {
        configFile = "/etc/b.conf";
        cpus = [
          3
          2
        ];
      };
    };
  };
  brokenBoth = evalStrait {
    instances.a = {
      configFile = "/etc/a.conf";
      config = "mtu 1440;";
    };
  };
  brokenNeither = evalStrait { instances.a = { }; };
  brokenStore = evalStrait { instances.a.configFile = "${builtins.storeDir}/abc-paris.conf"; };
  brokenName = evalStrait { instances."a b".configFile = "/etc/a.conf"; };
  keyInline = evalStrait {
    instances.a.config = ''
      route4 { id b; preshared-key "ACAB129A5D1E2F3B4C6D7E8F9A0B1C2D3E4F5061728394A5B6C7D8E9F0A1B2C3"; }
    '';
  };
  disabled = evalStrait {
    instances.a = {
      enable = false;
      configFile = "/etc/a.conf";
      cpus = [ 2 ];
    };
  };
  # Whether evaluating `settings` fails (a type error, an unknown option).
  rejects = settings: !(builtins.tryEval (builtins.deepSeq (evalStrait settings).strait true)).success;

  moduleChecks = [
    (checkEq "module: the kernel isolates every instance's CPUs" c.boot.kernelParams [
      "isolcpus=2,3,5"
      "nohz_full=2,3,5"
      "rcu_nocbs=2,3,5"
    ])
    (checkEq "module: no assertion fails on a good configuration" (failedAssertions c) [ ])
    (checkEq "module: no warning on a good configuration" c.warnings [ ])
    (checkEq "module: ExecStart of paris (configFile, xdp, cpus, busywait, metrics)"
      paris.serviceConfig.ExecStart
      ''"${strait}" "run" "--name" "paris" "--config" "/run/agenix/strait-paris.conf" "--xdp" "--cpu" "2,3" "--busywait" "--metrics" "127.0.0.1:9100"'')
    (checkEq "module: ExecStart of osaka (inline config read by name, af-packet)"
      osaka.serviceConfig.ExecStart
      ''"${strait}" "run" "--name" "osaka" "--af-packet" "--cpu" "5"'')
    (checkEq "module: the boot-time unit runs check-host --apply as strait run will run (name, file, backend, CPUs)"
      parisIf.serviceConfig.ExecStart
      ''"${strait}" "check-host" "--name" "paris" "--config" "/run/agenix/strait-paris.conf" "--xdp" "--cpu" "2,3" "--apply"'')
    (checkEq "module: the boot-time unit of osaka finds its file by name"
      osakaIf.serviceConfig.ExecStart
      ''"${strait}" "check-host" "--name" "osaka" "--af-packet" "--cpu" "5" "--apply"'')
    (checkEq "module: the boot-time unit is a oneshot that stays active" [
      parisIf.serviceConfig.Type
      parisIf.serviceConfig.RemainAfterExit
    ] [ "oneshot" true ])
    (checkEq "module: the boot-time unit runs before the gateway, which needs it" [
      parisIf.before
      parisIf.requiredBy
      paris.requires
    ] [ [ "strait-paris.service" ] [ "strait-paris.service" ] [ "strait-interfaces-paris.service" ] ])
    (checkHas "module: the boot-time unit waits for the interfaces' devices" parisIf.requires [
      "sys-subsystem-net-devices-eth1.device"
      "sys-subsystem-net-devices-eth2.device"
      "sys-subsystem-net-devices-eth3.device"
    ])
    (checkHas "module: the boot-time unit waits for bpffs" parisIf.after [ "sys-fs-bpf.mount" ])
    (checkEq "module: only the capabilities strait needs" paris.serviceConfig.CapabilityBoundingSet [
      "CAP_NET_ADMIN"
      "CAP_NET_RAW"
      "CAP_BPF"
      "CAP_SYS_ADMIN"
      "CAP_IPC_LOCK"
      "CAP_SYS_NICE"
    ])
    (checkEq "module: locked memory unlimited, restart on failure, no new privileges" [
      paris.serviceConfig.LimitMEMLOCK
      paris.serviceConfig.Restart
      paris.serviceConfig.NoNewPrivileges
      paris.serviceConfig.ProtectSystem
      paris.serviceConfig.PrivateTmp
    ] [ "infinity" "on-failure" true "strict" true ])
    (checkEq "module: /run/strait the RuntimeDirectory (kept across instances), /var/lib/strait the StateDirectory (static SA sequence numbers survive a reboot)" [
      (paris.serviceConfig.RuntimeDirectory or null)
      (paris.serviceConfig.RuntimeDirectoryPreserve or null)
      (paris.serviceConfig.StateDirectory or null)
      (paris.serviceConfig.StateDirectoryMode or null)
    ] [ "strait" true "strait" "0700" ])
    (checkEq "module: no tmpfiles rule (no /run/strait link to /var/lib/strait)" (c.systemd.tmpfiles or null) null)
    (checkEq "module: the boot-time unit has the capabilities of check-host --apply, no mount namespace" [
      parisIf.serviceConfig.CapabilityBoundingSet
      (parisIf.serviceConfig ? ProtectSystem)
      (parisIf.serviceConfig ? PrivateTmp)
    ] [ [ "CAP_NET_ADMIN" "CAP_NET_RAW" "CAP_SYS_ADMIN" "CAP_BPF" "CAP_IPC_LOCK" ] false false ])
    (checkEq "module: nothing runs before the gateway with configFile (no keys script, no /run/strait link check)"
      (paris.serviceConfig.ExecStartPre or [ ])
      [ ])
    (checkEq "module: the boot-time unit of configFile writes nothing (no RuntimeDirectory)" [
      (parisIf.serviceConfig ? RuntimeDirectory)
      (parisIf.serviceConfig ? ExecStartPre)
    ] [ false false ])
    (checkEq "module: a usage error is not retried, a failing gateway is left stopped" [
      paris.serviceConfig.RestartPreventExitStatus
      paris.unitConfig.StartLimitBurst
    ] [ 2 5 ])
    (checkHas "module: AF_XDP and AF_PACKET sockets allowed" paris.serviceConfig.RestrictAddressFamilies [
      "AF_XDP"
      "AF_PACKET"
      "AF_NETLINK"
    ])
    (checkEq "module: reload is SIGHUP" paris.serviceConfig.ExecReload [
      "${store}-coreutils/bin/kill -HUP $MAINPID"
    ])
    (checkEq "module: a new inline configuration reloads osaka (SIGHUP), configFile triggers nothing" [
      osaka.reloadTriggers
      paris.reloadTriggers
    ] [ [ "private-interface4 { ifname eth4; }\n" ] [ ] ])
    (checkEq "module: inline text installed as /etc/strait/osaka.conf, mode 600"
      c.environment.etc."strait/osaka.conf"
      {
        text = "private-interface4 { ifname eth4; }\n";
        mode = "0600";
      })
    (checkEq "module: configFile is not copied to /etc" (attrNames c.environment.etc) [ "strait/osaka.conf" ])
    (checkEq "module: bpffs mounted (an instance uses XDP)"
      (map (m: {
        inherit (m) what where type;
      }) c.systemd.mounts)
      [
        {
          what = "bpffs";
          where = "/sys/fs/bpf";
          type = "bpf";
        }
      ])
    (checkEq "module: DHCP leaves the gateway's interfaces alone" c.networking.dhcpcd.denyInterfaces [
      "eth1"
      "eth2"
      "eth3"
    ])
    (checkEq "module: the gateways start at boot" paris.wantedBy [ "multi-user.target" ])
    (checkEq "module: the package is on the PATH (strait config, strait top)" (map (p: p.outPath) c.environment.systemPackages) [
      "${store}-strait-${package.version}"
    ])
    (checkEq "module: two instances pinned to the same CPU are refused" (failedAssertions brokenShared.config) [
      "services.strait.instances: a and b pin workers to the same CPU."
    ])
    (checkEq "module: configFile and config together are refused" (failedAssertions brokenBoth.config) [
      "services.strait.instances.a: set exactly one of configFile and config."
    ])
    (checkEq "module: neither configFile nor config is refused" (failedAssertions brokenNeither.config) [
      "services.strait.instances.a: set exactly one of configFile and config."
    ])
    (check "module: a configFile in the Nix store is refused" (
      builtins.length (failedAssertions brokenStore.config) == 1
      && hasInfix "outside the Nix store" (head (failedAssertions brokenStore.config))
    ))
    (check "module: a name systemd and strait cannot take is refused" (
      builtins.length (failedAssertions brokenName.config) == 1
    ))
    (check "module: a key written in `config` raises a warning" (
      builtins.length keyInline.config.warnings == 1
      && hasInfix "readable by every user" (head keyInline.config.warnings)
    ))
    (checkEq "module: a disabled instance sets nothing" disabled.config { })
    (check "module: a wrong type is refused (cpus = \"2,3\")" (rejects {
      instances.a = {
        configFile = "/etc/a.conf";
        cpus = "2,3";
      };
    }))
    (check "module: an unknown backend is refused" (rejects {
      instances.a = {
        configFile = "/etc/a.conf";
        backend = "dpdk";
      };
    }))
    (check "module: an unknown option is refused" (rejects {
      instances.a = {
        configFile = "/etc/a.conf";
        cpu = [ 2 ];
      };
    }))
    (check "module: configFile as a Nix path (copied to the store) is refused" (rejects {
      instances.a.configFile = ./eval.nix;
    }))
  ];

  # --------------------------------------------------------------- package
  package = stubs.pkgs.callPackage ../package.nix { };
  keep = path: package.src.filter (toString ../.. + "/" + path) "regular";
  packageChecks = [
    (checkEq "package: builds the strait binary and the man page, not `all`"
      (hasInfix "ninja -j$NIX_BUILD_CORES strait man" package.buildPhase)
      true)
    (check "package: installs with the project's CMake install rules" (
      hasInfix "cmake --install . --prefix \"$out\"" package.installPhase
    ))
    (check "package: the BPF program is compiled by an unwrapped clang" (
      builtins.any (f: lib.hasPrefix "-DBPF_CLANG=${store}-strait-bpf-clang" f) package.cmakeFlags
    ))
    (checkHas "package: the libraries the CMake configuration asks for"
      (map (p: p.name) package.buildInputs)
      [
        "intel-ipsec-mb"
        "libsodium"
        "libb2"
        "libpcap"
        "libbpf"
        "xdp-tools"
        "xdp-tools-lib"
        "boost"
      ])
    (checkEq "package: the source keeps the build's inputs" (map keep [
      "CMakeLists.txt"
      "gateway/cli/main.cpp"
      "cmake/StraitTest.cmake"
      "netns-lab/CMakeLists.txt"
    ]) [ true true true true ])
    (checkEq "package: the source leaves out build directories and corpora" (map keep [
      "build/build.ninja"
      "build-asan/x"
      "result"
      "fuzz/corpus/x"
    ]) [ false false false false ])
    (checkEq "package: x86_64-linux only (intel-ipsec-mb)" package.meta.platforms [ "x86_64-linux" ])
    (checkEq "package: mainProgram" package.meta.mainProgram "strait")
  ];

  # -------------------------------------------------------------- examples
  # A module of nix/examples with the files of nix/examples it imports
  # (nixpkgs' modules and nix/module.nix are left to NixOS).
  withImports =
    path:
    let
      value = evalExample path;
      local = filter (i: builtins.isPath i && baseNameOf i != "module.nix") (value.imports or [ ]);
    in
    builtins.foldl' (acc: i: stubs.merge acc (withImports i)) (removeAttrs value [ "imports" ]) local
    // {
      imports = filter (i: !(builtins.isPath i) || baseNameOf i == "module.nix") (value.imports or [ ])
        ++ builtins.concatMap (i: (withImports i).imports) local;
    };

  sites = import ../examples/sites.nix;
  labText = site: builtins.readFile (../../netns-lab + "/vita-${site}.conf");
  labMtu = site: builtins.fromJSON (head (builtins.match ".*\nmtu ([0-9]+);.*" (labText site)));

  gateway =
    site: peer:
    let
      machine = withImports (../examples + "/vita-${site}.nix");
      evaluated = evalStrait machine.services.strait;
      instance = evaluated.strait.instances.${site};
      service = evaluated.config.systemd.services."strait-${site}";
      key = lib.toUpper peer;
    in
    [
      (checkEq "vita-${site}: hostName" machine.networking.hostName "vita-${site}")
      (checkHas "vita-${site}: EC2 (amazon-image) and the strait module"
        (map toString machine.imports)
        [
          "/modules/virtualisation/amazon-image.nix"
          (toString ../module.nix)
        ])
      (checkEq "vita-${site}: ENIs named eth0..eth3 as in the lab's file" machine.networking.usePredictableInterfaceNames false)
      (checkEq "vita-${site}: the seed's isolcpus=2-3" evaluated.config.boot.kernelParams [
        "isolcpus=2,3"
        "nohz_full=2,3"
        "rcu_nocbs=2,3"
      ])
      (checkEq "vita-${site}: the seed's vita --name ${site} --xdp --cpu 2,3" service.serviceConfig.ExecStart
        ''"${strait}" "run" "--name" "${site}" "--config" "/run/strait/${site}.conf" "--xdp" "--cpu" "2,3"'')
      (checkEq "vita-${site}: the key comes from a file outside the store" instance.keyFiles {
        "@${key}_KEY@" = "/var/lib/strait/${peer}.key";
      })
      (checkEq "vita-${site}: no warning (no key in the store)" evaluated.config.warnings [ ])
      (checkEq "vita-${site}: no assertion fails" (failedAssertions evaluated.config) [ ])
      (checkEq "vita-${site}: the template is /etc/strait/${site}.conf.in" (attrNames evaluated.config.environment.etc) [
        "strait/${site}.conf.in"
      ])
      (check "vita-${site}: the keys are written before the gateway starts and on reload" (
        service.serviceConfig.ExecStartPre == [ "${store}-strait-${site}-prepare" ]
        && head service.serviceConfig.ExecReload == "${store}-strait-${site}-prepare"
        && evaluated.config.systemd.services."strait-interfaces-${site}".serviceConfig.ExecStartPre
          == "${store}-strait-${site}-prepare"
      ))
      (checkEq "vita-${site}: the boot-time unit, which writes /run/strait/${site}.conf first, has /run/strait as its RuntimeDirectory, kept" [
        (evaluated.config.systemd.services."strait-interfaces-${site}".serviceConfig.RuntimeDirectory or null)
        (evaluated.config.systemd.services."strait-interfaces-${site}".serviceConfig.RuntimeDirectoryPreserve or null)
        (service.serviceConfig.RuntimeDirectory or null)
        (service.serviceConfig.RuntimeDirectoryPreserve or null)
      ] [ "strait" true "strait" true ])
      (checkEq "vita-${site}: ENA runs XDP natively at MTU 1500" (map (i: machine.networking.interfaces.${i}.mtu) [
        "eth1"
        "eth2"
        "eth3"
      ]) [ 1500 1500 1500 ])
      # The configuration: the lab's, with EC2's addresses.
      (check "vita-${site}: the lab's key is gone" (!(hasInfix "ACAB129A" instance.config)))
      (check "vita-${site}: the key is the placeholder" (hasInfix "preshared-key \"@${key}_KEY@\";" instance.config))
      (checkEq "vita-${site}: each public interface: ENI address, Elastic IP as nat-ip, subnet router"
        (map (
          p:
          hasInfix "ip ${p.ip};\n  nat-ip ${p.eip};\n  nexthop-ip ${sites.${site}.publicRouter};" instance.config
        ) sites.${site}.gateway.public)
        [ true true ])
      (checkEq "vita-${site}: the route goes to the peer's Elastic IPs"
        (map (p: hasInfix "ip ${p.eip}; }" instance.config) sites.${peer}.gateway.public)
        [ true true ])
      (check "vita-${site}: no lab router left" (!(hasInfix "${sites.${site}.lab.router};" instance.config)))
      (check "vita-${site}: the lab's queues, device queues, mtu, net and spi" (
        builtins.all (s: hasInfix s instance.config) [
          "queue 1;\n  ifname eth2;\n  device-queue 1;"
          "queue 2;\n  ifname eth3;\n  device-queue 1;"
          "mtu ${toString (labMtu site)};"
          "net \"${sites.${peer}.vpc}\";"
          "spi 1234;"
          "ifname eth1;"
          "ip ${sites.${site}.gateway.private.ip};\n  nexthop-ip ${sites.${site}.node.ip};"
        ]
      ))
    ];

  node =
    site: peer: role:
    let
      machine = withImports (../examples + "/kube-node-${site}.nix");
      eth0 = machine.networking.interfaces.eth0;
    in
    [
      (checkEq "kube-node-${site}: hostName" machine.networking.hostName "kube-node-${site}")
      (checkEq "kube-node-${site}: EC2 (amazon-image)" machine.imports [ "/modules/virtualisation/amazon-image.nix" ])
      (checkEq "kube-node-${site}: the route to ${peer} via vita-${site}, mtu as the lab's tunnel" eth0.ipv4.routes [
        {
          address = head (lib.splitString "/" sites.${peer}.vpc);
          prefixLength = 16;
          via = sites.${site}.gateway.private.ip;
          options.mtu = toString (labMtu site);
        }
      ])
      (checkEq "kube-node-${site}: the stack's address" eth0.ipv4.addresses [
        {
          address = sites.${site}.node.ip;
          prefixLength = 24;
        }
      ])
      (checkEq "kube-node-${site}: the interface at the tunnel's MTU (flannel: 1390)" eth0.mtu (labMtu site))
      (checkEq "kube-node-${site}: Kubernetes ${role}, master kube-node-paris" machine.services.kubernetes {
        roles = [ role ];
        masterAddress = "kube-node-paris";
        apiserverAddress = "https://kube-node-paris:6443";
        easyCerts = true;
      })
      (check "kube-node-${site}: both nodes by name" (
        hasInfix "${sites.paris.node.ip} kube-node-paris" machine.networking.extraHosts
        && hasInfix "${sites.tokyo.node.ip} kube-node-tokyo" machine.networking.extraHosts
      ))
      (checkEq "kube-node-${site}: no firewall, as in the seed" machine.networking.firewall.enable false)
    ];

  # The address plan of the examples is the lab's where EC2 lets us choose.
  planChecks = builtins.concatMap (site: [
    (check "sites.${site}: the gateway's private address and the node's are the lab's" (
      hasInfix "ip ${sites.${site}.gateway.private.ip};\n  nexthop-ip ${sites.${site}.node.ip};" (labText site)
    ))
    (check "sites.${site}: the lab's route to the other VPC" (
      hasInfix "net \"${sites.${if site == "paris" then "tokyo" else "paris"}.vpc}\";" (labText site)
    ))
  ]) [ "paris" "tokyo" ];

  exampleChecks =
    gateway "paris" "tokyo"
    ++ gateway "tokyo" "paris"
    ++ node "paris" "tokyo" "master"
    ++ node "tokyo" "paris" "node"
    ++ planChecks;

  checks = moduleChecks ++ packageChecks ++ exampleChecks;

  vitaParis = evalStrait (withImports ../examples/vita-paris.nix).services.strait;
in
{
  result = {
    checks = length checks;
    failed = map (c: "${c.name}${if c.detail == "" then "" else ": ${c.detail}"}") (filter (c: !c.ok) checks);
  };

  # For nix_test.sh: the keyFiles script as the module writes it for
  # vita-paris, and the same script writing to files of the test's own.
  scripts = {
    prepare =
      (import ../prepare-config.nix {
        inherit lib;
        inherit (stubs.pkgs) writeShellScript;
      })
        {
          name = "paris";
          template = "@TEMPLATE@";
          target = "@TARGET@";
          keyFiles."@TOKYO_KEY@" = "@KEYFILE@";
        };
  };
  # The gateways' configurations as the examples carry them over from the
  # lab (placeholders for the keys), for strait replay to load.
  configs = {
    paris = (withImports ../examples/vita-paris.nix).services.strait.instances.paris.config;
    tokyo = (withImports ../examples/vita-tokyo.nix).services.strait.instances.tokyo.config;
  };
  # What a unit of the module holds, for systemd-analyze verify.
  units = {
    inherit (vitaParis.config.systemd.services) strait-paris strait-interfaces-paris;
  };
}
