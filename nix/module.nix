# NixOS module: Strait gateways, `services.strait.instances.<name>`.
#
# What the seed sets up by hand on its Vita nodes, per instance:
#   * isolated CPU cores for the workers (isolcpus, nohz_full, rcu_nocbs) and
#     the workers pinned to them (strait run --cpu);
#   * the interfaces' channel counts (the seed's ethtool --set-channels in
#     boot.postBootCommands), offloads and links, at boot, by a oneshot unit
#     strait-interfaces-<name> running `strait check-host --apply` (it sets
#     what the configuration needs, checks everything, and fails the boot of
#     the gateway with the fix to apply when something cannot be set);
#   * bpffs on /sys/fs/bpf (AF_XDP);
#   * the configuration in /etc/strait/<name>.conf (or a file of yours);
#   * the gateway, strait-<name>, with only the capabilities it needs.
#
# Keys: the Nix store is world-readable. Text given in `config` is written
# to the store, so it must hold no key: either point `configFile` at a file
# outside the store (agenix, sops-nix, or a file you copy to the machine
# with mode 600), or put placeholders in `config` and name the files that
# hold the keys in `keyFiles` (substituted at service start into
# /run/strait/<name>.conf, mode 600). nix/README.md, docs/ec2.md.
{
  config,
  lib,
  pkgs,
  utils,
  ...
}:

let
  inherit (lib)
    mkOption
    mkIf
    mkMerge
    types
    literalExpression
    ;

  cfg = config.services.strait;

  # The capabilities strait run needs, and no more (the same set as
  # dist/systemd/strait@.service; nix/tests checks that they agree):
  #   CAP_NET_ADMIN  attach XDP programs, ethtool-style queries, link
  #                  memberships (multicast groups, a second unicast MAC)
  #   CAP_NET_RAW    AF_PACKET and AF_XDP sockets
  #   CAP_BPF        load the XDP program and its XSK map
  #   CAP_SYS_ADMIN  libxdp reads the programs already on an interface by id
  #                  (BPF_PROG_GET_FD_BY_ID), which the kernel allows to
  #                  CAP_SYS_ADMIN only
  #   CAP_IPC_LOCK   lock key material and the UMEM into RAM
  #   CAP_SYS_NICE   pin workers to isolated cores, SCHED_FIFO (--realtime)
  capabilities = [
    "CAP_NET_ADMIN"
    "CAP_NET_RAW"
    "CAP_BPF"
    "CAP_SYS_ADMIN"
    "CAP_IPC_LOCK"
    "CAP_SYS_NICE"
  ];

  # strait-interfaces-<name>: check-host --apply (ethtool settings, links,
  # the bpffs mount, the checks of AF_XDP and BPF support).
  interfacesCapabilities = [
    "CAP_NET_ADMIN"
    "CAP_NET_RAW"
    "CAP_SYS_ADMIN"
    "CAP_BPF"
    "CAP_IPC_LOCK"
  ];

  # The control socket (AF_UNIX), interface queries and XDP attach
  # (AF_NETLINK), the backends, the metrics endpoint and interface ioctls.
  addressFamilies = [
    "AF_UNIX"
    "AF_NETLINK"
    "AF_PACKET"
    "AF_XDP"
    "AF_INET"
    "AF_INET6"
  ];

  instanceModule =
    { name, ... }:
    {
      options = {
        enable = mkOption {
          type = types.bool;
          default = true;
          description = "Whether to run the gateway ${name}.";
        };

        package = mkOption {
          type = types.package;
          default = cfg.package;
          defaultText = literalExpression "config.services.strait.package";
          description = "The strait package this gateway runs.";
        };

        configFile = mkOption {
          type = types.nullOr types.str;
          default = null;
          example = "/run/agenix/strait-paris.conf";
          description = ''
            Absolute path of the gateway's configuration file (Vita's syntax,
            CONFIG.md), read on the machine at start and on reload: it is not
            copied into the Nix store, so it may hold keys. It must be owned
            by root and not readable by group or others (chmod 600): strait
            refuses to start otherwise. Exactly one of configFile and config.
          '';
        };

        config = mkOption {
          type = types.nullOr types.lines;
          default = null;
          example = literalExpression "builtins.readFile ./vita-paris.conf";
          description = ''
            The configuration's text, installed as /etc/strait/<name>.conf
            (mode 600). It passes through the Nix store, which every user of
            the machine can read: no key may be written here. Use configFile,
            or placeholders with keyFiles. Exactly one of configFile and
            config.
          '';
        };

        keyFiles = mkOption {
          type = types.attrsOf types.str;
          default = { };
          example = {
            "@TOKYO_KEY@" = "/var/lib/strait/tokyo.key";
          };
          description = ''
            Placeholders in `config` and the files (outside the store, mode
            600, written with `strait keygen > FILE`) holding the pre-shared
            key each stands for. At start and on reload the text is written
            to /run/strait/<name>.conf (mode 600) with every placeholder
            replaced by its file's key; the key never appears in a command
            line or in the store.
          '';
        };

        cpus = mkOption {
          type = types.listOf types.ints.unsigned;
          default = [ ];
          example = [
            2
            3
          ];
          description = ''
            The CPUs of the workers, one per queue in queue order
            (strait run --cpu). They are isolated from the scheduler
            (isolcpus, nohz_full, rcu_nocbs) unless isolateCpus is false. The
            control and key-exchange threads stay on the other CPUs.
          '';
        };

        isolateCpus = mkOption {
          type = types.bool;
          default = true;
          description = "Whether to add isolcpus, nohz_full and rcu_nocbs for `cpus` to the kernel's command line.";
        };

        backend = mkOption {
          type = types.enum [
            "xdp"
            "af-packet"
          ];
          default = "xdp";
          description = "AF_XDP (xdp, as the seed runs Vita) or AF_PACKET (any interface, one copy per packet).";
        };

        busywait = mkOption {
          type = types.bool;
          default = false;
          description = "Whether the workers poll without ever sleeping (strait run --busywait): lowest latency, each worker's CPU always busy.";
        };

        metricsAddress = mkOption {
          type = types.nullOr types.str;
          default = null;
          example = "127.0.0.1:9100";
          description = "Serve the counters for Prometheus at http://ADDRESS:PORT/metrics (strait run --metrics).";
        };

        interfaces = mkOption {
          type = types.listOf types.str;
          default = [ ];
          example = [
            "eth1"
            "eth2"
            "eth3"
          ];
          description = ''
            The interfaces the configuration names (ifname). The boot-time
            unit waits for their devices, and DHCP leaves them alone: the
            gateway owns them, they hold no kernel address.
          '';
        };

        extraArgs = mkOption {
          type = types.listOf types.str;
          default = [ ];
          example = [ "--realtime" ];
          description = "More arguments for strait run.";
        };
      };
    };

  enabled = lib.filterAttrs (_: instance: instance.enable) cfg.instances;

  # Where instance `name` reads its configuration, and how strait finds it:
  #   configFile        that file (--config FILE)
  #   config            /etc/strait/NAME.conf (--name NAME finds it)
  #   config + keyFiles /etc/strait/NAME.conf.in, keys substituted into
  #                     /run/strait/NAME.conf (--config)
  source =
    name: instance:
    if instance.configFile != null then
      {
        file = instance.configFile;
        byName = false;
      }
    else if instance.keyFiles == { } then
      {
        file = "/etc/strait/${name}.conf";
        byName = true;
      }
    else
      {
        file = "/run/strait/${name}.conf";
        template = "/etc/strait/${name}.conf.in";
        byName = false;
      };

  configArgs =
    name: instance:
    let
      s = source name instance;
    in
    if s.byName then
      [
        "--name"
        name
      ]
    else
      [
        "--name"
        name
        "--config"
        s.file
      ];

  backendFlag = instance: if instance.backend == "xdp" then "--xdp" else "--af-packet";

  cpuList = cpus: lib.concatMapStringsSep "," toString cpus;

  runArgs =
    name: instance:
    [ "run" ]
    ++ configArgs name instance
    ++ [ (backendFlag instance) ]
    ++ lib.optionals (instance.cpus != [ ]) [
      "--cpu"
      (cpuList instance.cpus)
    ]
    ++ lib.optional instance.busywait "--busywait"
    ++ lib.optionals (instance.metricsAddress != null) [
      "--metrics"
      instance.metricsAddress
    ]
    ++ instance.extraArgs;

  # As strait run will run: the same name (it must be free), file, backend
  # and CPUs (online, isolated).
  checkArgs =
    name: instance:
    [ "check-host" ]
    ++ configArgs name instance
    ++ [ (backendFlag instance) ]
    ++ lib.optionals (instance.cpus != [ ]) [
      "--cpu"
      (cpuList instance.cpus)
    ]
    ++ [ "--apply" ];

  command = instance: args: utils.escapeSystemdExecArgs ([ "${instance.package}/bin/strait" ] ++ args);

  # keyFiles: the template with each placeholder replaced by its file's key,
  # written to /run/strait/NAME.conf with mode 600 (nix/prepare-config.nix).
  prepareScript =
    name: instance:
    let
      s = source name instance;
    in
    import ./prepare-config.nix { inherit lib; inherit (pkgs) writeShellScript; } {
      inherit name;
      inherit (s) template;
      target = s.file;
      inherit (instance) keyFiles;
    };

  # A key written in `config` (a pre-shared key, or a static SA's key) ends
  # up in the world-readable store.
  holdsKey = text: builtins.length (builtins.split "key[[:space:]]+\"?[0-9A-Fa-f]{8}" text) > 1;

  deviceUnit = ifname: "sys-subsystem-net-devices-${utils.escapeSystemdPath ifname}.device";

  allCpus = lib.unique (
    lib.sort lib.lessThan (
      lib.concatLists (
        lib.mapAttrsToList (_: instance: lib.optionals instance.isolateCpus instance.cpus) enabled
      )
    )
  );

  usesXdp = lib.any (instance: instance.backend == "xdp") (lib.attrValues enabled);

  instanceNames = lib.attrNames enabled;
  # Pairs of instances that would pin workers to the same CPU.
  sharedCpus = lib.concatLists (
    lib.imap0 (
      i: a:
      lib.concatMap (
        b:
        lib.optional (lib.any (cpu: builtins.elem cpu enabled.${b}.cpus) enabled.${a}.cpus) "${a} and ${b}"
      ) (lib.drop (i + 1) instanceNames)
    ) instanceNames
  );

  instanceConfig =
    name: instance:
    let
      s = source name instance;
      hasKeyFiles = instance.keyFiles != { };
      prepare = prepareScript name instance;
      interfacesUnit = "strait-interfaces-${name}.service";
    in
    {
      environment.etc = mkIf (instance.config != null) {
        "strait/${name}.conf${lib.optionalString hasKeyFiles ".in"}" = {
          text = instance.config;
          mode = "0600";
        };
      };

      systemd.services."strait-interfaces-${name}" = {
        description = "Strait gateway ${name}: interface channels, offloads and links (strait check-host --apply)";
        requiredBy = [ "strait-${name}.service" ];
        before = [ "strait-${name}.service" ];
        wants = [ "network-pre.target" ];
        after = [
          "network-pre.target"
          "systemd-udev-trigger.service"
        ]
        ++ lib.optional usesXdp "sys-fs-bpf.mount"
        ++ map deviceUnit instance.interfaces;
        requires = map deviceUnit instance.interfaces;
        path = [
          pkgs.ethtool
          pkgs.iproute2
          pkgs.util-linux
        ];
        # As dist/systemd/strait-interfaces@.service: no mount namespace
        # (the bpffs it mounts must be the host's), only the capabilities
        # check-host --apply needs.
        serviceConfig = {
          Type = "oneshot";
          RemainAfterExit = true;
          ExecStartPre = mkIf hasKeyFiles "${prepare}";
          ExecStart = command instance (checkArgs name instance);
          # keyFiles: the keys script above writes /run/strait/NAME.conf,
          # which check-host reads, before the gateway's unit (and its
          # RuntimeDirectory) starts: the same directory, kept as well.
          RuntimeDirectory = mkIf hasKeyFiles "strait";
          RuntimeDirectoryPreserve = mkIf hasKeyFiles true;
          LimitMEMLOCK = "infinity";
          CapabilityBoundingSet = interfacesCapabilities;
          NoNewPrivileges = true;
          LockPersonality = true;
          MemoryDenyWriteExecute = true;
          RestrictSUIDSGID = true;
          SystemCallArchitectures = "native";
          RestrictAddressFamilies = addressFamilies;
        };
      };

      systemd.services."strait-${name}" = {
        description = "Strait IPsec gateway ${name}";
        documentation = [ "man:strait(8)" ];
        wantedBy = [ "multi-user.target" ];
        requires = [ interfacesUnit ];
        after = [
          interfacesUnit
          "network.target"
        ];
        # A new configuration text is applied with SIGHUP (one transaction;
        # SAs of unchanged routes are kept), not with a restart.
        reloadTriggers = lib.optional (instance.config != null) instance.config;
        # A gateway that keeps failing (5 times in a minute) is left stopped.
        unitConfig = {
          StartLimitIntervalSec = 60;
          StartLimitBurst = 5;
        };
        # As dist/systemd/strait@.service.
        serviceConfig = {
          Type = "exec";
          ExecStartPre = lib.optional hasKeyFiles "${prepare}";
          ExecStart = command instance (runArgs name instance);
          ExecReload = lib.optional hasKeyFiles "${prepare}" ++ [ "${pkgs.coreutils}/bin/kill -HUP $MAINPID" ];
          Restart = "on-failure";
          RestartSec = "2s";
          RestartPreventExitStatus = 2; # a usage error: no retry
          # Files, as dist/systemd/strait@.service: /run/strait/NAME/ (pid,
          # gateway-state), the control socket /run/strait/NAME.sock and
          # the keyed configuration /run/strait/NAME.conf (keyFiles) in the
          # RuntimeDirectory, kept when an instance stops since the other
          # instances' files are there too; /var/lib/strait/NAME/
          # static-sa-sequences, the ESP sequence numbers reserved per
          # static key and salt, which must survive a reboot or the gateway
          # would use GCM nonces twice, in the StateDirectory. Both are the
          # only places it may write.
          RuntimeDirectory = "strait";
          RuntimeDirectoryPreserve = true;
          StateDirectory = "strait";
          StateDirectoryMode = "0700";
          LimitMEMLOCK = "infinity";
          CapabilityBoundingSet = capabilities;
          NoNewPrivileges = true;
          ProtectSystem = "strict";
          ReadWritePaths = [ "-/sys/fs/bpf" ];
          ProtectHome = true;
          PrivateTmp = true;
          PrivateDevices = true;
          ProtectKernelTunables = true;
          ProtectKernelModules = true;
          ProtectKernelLogs = true;
          ProtectControlGroups = true;
          ProtectClock = true;
          ProtectHostname = true;
          RestrictNamespaces = true;
          LockPersonality = true;
          MemoryDenyWriteExecute = true;
          RestrictSUIDSGID = true;
          SystemCallArchitectures = "native";
          UMask = "0077";
          RestrictAddressFamilies = addressFamilies;
          # Not RestrictRealtime (--realtime: SCHED_FIFO workers), no
          # SystemCallFilter (libbpf and libxdp use calls beyond
          # @system-service), as in dist/systemd/strait@.service.
        };
      };
    };
in
{
  options.services.strait = {
    package = mkOption {
      type = types.package;
      default = pkgs.callPackage ./package.nix { };
      defaultText = literalExpression "pkgs.callPackage ./nix/package.nix { }";
      description = "The strait package (nix/package.nix, built from this repository).";
    };

    instances = mkOption {
      type = types.attrsOf (types.submodule instanceModule);
      default = { };
      example = literalExpression ''
        {
          paris = {
            configFile = "/run/agenix/strait-paris.conf";
            cpus = [ 2 3 ];
            interfaces = [ "eth1" "eth2" "eth3" ];
          };
        }
      '';
      description = ''
        Strait gateways, by name (the name of strait run --name, of the
        units strait-<name> and strait-interfaces-<name>, and of
        /etc/strait/<name>.conf).
      '';
    };
  };

  config = mkIf (enabled != { }) (mkMerge (
    [
      {
        assertions =
          lib.concatLists (
            lib.mapAttrsToList (name: instance: [
              {
                assertion = builtins.match "[A-Za-z0-9_-]+" name != null;
                message = "services.strait.instances.${name}: a gateway's name holds only letters, digits, '_' and '-'.";
              }
              {
                assertion = (instance.configFile == null) != (instance.config == null);
                message = "services.strait.instances.${name}: set exactly one of configFile and config.";
              }
              {
                assertion =
                  instance.configFile == null
                  || (lib.hasPrefix "/" instance.configFile && !lib.hasPrefix "${builtins.storeDir}/" instance.configFile);
                message = "services.strait.instances.${name}.configFile must be an absolute path outside the Nix store (the store is world-readable; keys belong in agenix, sops-nix or a file with mode 600).";
              }
              {
                assertion = instance.keyFiles == { } || instance.config != null;
                message = "services.strait.instances.${name}.keyFiles: placeholders are replaced in `config` only.";
              }
            ]) enabled
          )
          ++ [
            {
              assertion = sharedCpus == [ ];
              message = "services.strait.instances: ${lib.concatStringsSep ", " sharedCpus} pin workers to the same CPU.";
            }
          ];

        warnings = lib.concatLists (
          lib.mapAttrsToList (
            name: instance:
            lib.optional (instance.config != null && holdsKey instance.config)
              "services.strait.instances.${name}.config holds key material, which the Nix store makes readable by every user of the machine: move the keys out (configFile, or keyFiles with placeholders) and replace them with new ones (strait keygen)."
            ++ lib.optional (instance.busywait && instance.cpus == [ ])
              "services.strait.instances.${name}.busywait without cpus: the workers spin on whichever CPUs the scheduler gives them."
          ) enabled
        );

        environment.systemPackages = lib.unique (lib.mapAttrsToList (_: instance: instance.package) enabled);

        boot.kernelParams = lib.optionals (allCpus != [ ]) [
          "isolcpus=${cpuList allCpus}"
          "nohz_full=${cpuList allCpus}"
          "rcu_nocbs=${cpuList allCpus}"
        ];

        # DHCP leaves the gateway's interfaces alone: they carry no kernel
        # address (the gateway answers ARP and ICMP on them itself).
        networking.dhcpcd.denyInterfaces = lib.concatLists (
          lib.mapAttrsToList (_: instance: instance.interfaces) enabled
        );

        # bpffs for AF_XDP (libxdp pins its dispatcher there), unless systemd
        # already mounted it.
        systemd.mounts = lib.optional usesXdp {
          description = "BPF file system (Strait, AF_XDP)";
          what = "bpffs";
          where = "/sys/fs/bpf";
          type = "bpf";
          options = "mode=0700";
          unitConfig = {
            DefaultDependencies = false;
            ConditionPathIsMountPoint = "!/sys/fs/bpf";
          };
          wantedBy = [ "sysinit.target" ];
          before = [ "sysinit.target" ];
        };
      }
    ]
    ++ lib.mapAttrsToList instanceConfig enabled
  ));
}
