# Stand-ins for nixpkgs' `lib`, NixOS' `utils` and `pkgs`, and a minimal
# module system, so that nix/module.nix, nix/package.nix and nix/examples
# can be evaluated where no nixpkgs is installed (this repository's CI:
# Debian's nix-bin, no channel, no network).
#
# Each lib function behaves as nixpkgs' does for the arguments these files
# give it. The option types carry a `check` predicate, and `evalStrait`
# checks every instance's values against the declared types, fills in the
# declared defaults, and refuses options the module does not declare: a
# typo in an example or a wrong type fails here as it would in NixOS.
# What cannot be checked without nixpkgs: nixpkgs' own modules (amazon-image,
# kubernetes, networking, systemd's unit rendering) and the package's build.
let
  inherit (builtins)
    all
    any
    attrNames
    attrValues
    concatLists
    concatStringsSep
    elem
    elemAt
    filter
    foldl'
    genList
    head
    isAttrs
    isBool
    isInt
    isList
    isString
    isPath
    length
    listToAttrs
    mapAttrs
    replaceStrings
    stringLength
    substring
    tail
    toJSON
    ;

  lib = rec {
    # options and the module system
    mkOption = attrs: attrs // { _type = "option"; };
    mkIf = condition: content: {
      _type = "if";
      inherit condition content;
    };
    mkMerge = contents: {
      _type = "merge";
      inherit contents;
    };
    mkDefault = value: value;
    mkForce = value: value;
    literalExpression = text: {
      _type = "literalExpression";
      inherit text;
    };

    types =
      let
        type = name: check: { inherit name check; };
      in
      {
        bool = type "bool" isBool;
        str = type "str" isString;
        lines = type "lines" isString;
        int = type "int" isInt;
        ints.unsigned = type "unsigned integer" (v: isInt v && v >= 0);
        path = type "path" (v: isPath v || (isString v && substring 0 1 v == "/"));
        package = type "package" (v: isAttrs v && v ? outPath);
        nullOr = t: type "null or ${t.name}" (v: v == null || t.check v);
        listOf = t: (type "list of ${t.name}" (v: isList v && all t.check v)) // { elemType = t; };
        attrsOf =
          t: (type "attribute set of ${t.name}" (v: isAttrs v && all t.check (attrValues v))) // { elemType = t; };
        enum = values: type "one of ${toJSON values}" (v: elem v values);
        submodule = module: (type "submodule" isAttrs) // { inherit module; };
      };

    # attribute sets
    filterAttrs = pred: set: listToAttrs (filter (n: pred n.name n.value) (mapAttrsToList nameValuePair set));
    mapAttrsToList = f: set: map (name: f name set.${name}) (attrNames set);
    mapAttrs' = f: set: listToAttrs (mapAttrsToList f set);
    nameValuePair = name: value: { inherit name value; };
    genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);
    attrValues = builtins.attrValues;
    attrNames = builtins.attrNames;
    getDev = pkg: pkg.dev or pkg;

    # lists
    optional = cond: x: if cond then [ x ] else [ ];
    optionals = cond: xs: if cond then xs else [ ];
    concatLists = builtins.concatLists;
    concatMap = builtins.concatMap;
    flatten = x: if isList x then concatMap flatten x else [ x ];
    unique = foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];
    sort = builtins.sort;
    lessThan = builtins.lessThan;
    any = builtins.any;
    all = builtins.all;
    drop = n: list: genList (i: elemAt list (i + n)) (length list - n);
    imap0 = f: list: genList (i: f i (elemAt list i)) (length list);

    # strings
    concatStrings = concatStringsSep "";
    concatStringsSep = builtins.concatStringsSep;
    concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
    optionalString = cond: s: if cond then s else "";
    hasPrefix = prefix: s: substring 0 (stringLength prefix) s == prefix;
    removePrefix =
      prefix: s: if hasPrefix prefix s then substring (stringLength prefix) (stringLength s) s else s;
    splitString = sep: s: filter isString (builtins.split (replaceStrings [ "." ] [ "\\." ] sep) s);
    escapeShellArg = arg: "'${replaceStrings [ "'" ] [ "'\\''" ] (toString arg)}'";
    escapeShellArgs = concatMapStringsSep " " escapeShellArg;
    toUpper = replaceStrings (lib.stringToCharacters "abcdefghijklmnopqrstuvwxyz") (
      lib.stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    );
    stringToCharacters = s: genList (i: substring i 1 s) (stringLength s);

    # sources
    cleanSource = src: src;
    cleanSourceWith =
      {
        src,
        filter,
        name ? "source",
      }:
      {
        _type = "cleanSourceWith";
        inherit src filter name;
        outPath = "/nix/store/00000000000000000000000000000000-${name}";
      };
  };

  # NixOS' utils (nixos/lib/utils.nix), the two functions the module uses.
  utils = rec {
    escapeSystemdExecArg =
      arg:
      let
        s =
          if isString arg then
            arg
          else if isInt arg || (isAttrs arg && arg ? outPath) then
            toString arg
          else
            throw "escapeSystemdExecArg: cannot escape ${toJSON arg}";
      in
      replaceStrings [ "%" "$" ] [ "%%" "$$" ] (toJSON s);
    escapeSystemdExecArgs = lib.concatMapStringsSep " " escapeSystemdExecArg;
    escapeSystemdPath =
      s: replaceStrings [ "/" "-" " " ] [ "-" "\\x2d" "\\x20" ] (lib.removePrefix "/" s);
  };

  fakeStorePath = name: "/nix/store/00000000000000000000000000000000-${name}";
  drv = name: {
    inherit name;
    type = "derivation";
    outPath = fakeStorePath name;
  };

  pkgs = {
    callPackage =
      fn: args:
      let
        f = if builtins.isFunction fn then fn else import fn;
      in
      f (builtins.intersectAttrs (builtins.functionArgs f) (pkgsForPackage // args));
    writeShellScript = name: text: {
      inherit name text;
      type = "derivation";
      outPath = fakeStorePath name;
    };
    ethtool = drv "ethtool";
    iproute2 = drv "iproute2";
    util-linux = drv "util-linux";
    coreutils = drv "coreutils";
    tcpdump = drv "tcpdump";
    iperf3 = drv "iperf3";
  };

  # What nix/package.nix asks for; mkDerivation returns its arguments (and
  # an outPath) so that the test can look at them.
  pkgsForPackage = pkgs // {
    inherit lib;
    stdenv.mkDerivation = attrs: attrs // { outPath = fakeStorePath "${attrs.pname}-${attrs.version}"; };
    writeShellScript = pkgs.writeShellScript;
    llvmPackages.clang-unwrapped = drv "clang-unwrapped";
    libbpf = (drv "libbpf") // {
      dev = drv "libbpf-dev";
    };
    xdp-tools = (drv "xdp-tools") // {
      lib = drv "xdp-tools-lib";
    };
  }
  // genAttrsOf [
    "cmake"
    "ninja"
    "pkg-config"
    "linuxHeaders"
    "intel-ipsec-mb"
    "libsodium"
    "libb2"
    "libpcap"
    "elfutils"
    "zlib"
    "boost"
  ];
  genAttrsOf = names: lib.genAttrs names drv;

  # The module system, as far as these modules need it.
  absent = {
    _type = "absent";
  };
  isAbsent = v: isAttrs v && (v._type or null) == "absent";
  isLeaf = v: !(isAttrs v) || v ? outPath || (v ? _type && !(elem v._type [ "if" "merge" ]));

  # mkIf / mkMerge pushed down and merged away: what NixOS' config would hold.
  resolve =
    v:
    if isAttrs v && (v._type or null) == "if" then
      (if v.condition then resolve v.content else absent)
    else if isAttrs v && (v._type or null) == "merge" then
      foldl' merge { } (filter (x: !(isAbsent x)) (map resolve v.contents))
    else if isAttrs v && !(isLeaf v) then
      lib.filterAttrs (_: x: !(isAbsent x)) (mapAttrs (_: resolve) v)
    else
      v;

  merge =
    a: b:
    if isAttrs a && isAttrs b && !(isLeaf a) && !(isLeaf b) then
      a // mapAttrs (name: value: if a ? ${name} then merge a.${name} value else value) b
    else if isList a && isList b then
      a ++ b
    else if a == b then
      a
    else
      throw "conflicting definitions: ${toJSON a} and ${toJSON b}";

  # An option's value: the definition checked against its type, or the default.
  optionValue =
    where: name: option: definitions:
    let
      value =
        if definitions ? ${name} then
          definitions.${name}
        else if option ? default then
          option.default
        else
          throw "${where}.${name} has no value and no default";
    in
    if option.type.check value then
      value
    else
      throw "${where}.${name}: ${toJSON value} is not a ${option.type.name}";

  fillOptions =
    where: options: definitions:
    let
      unknown = filter (name: !(options ? ${name})) (attrNames definitions);
    in
    if unknown != [ ] then
      throw "${where}: no such option: ${concatStringsSep ", " unknown}"
    else
      mapAttrs (name: option: optionValue where name option definitions) options;

  # services.strait as NixOS would evaluate it: the module's options filled
  # from `definitions` (services.strait = { package?; instances = {...}; }),
  # then its config resolved.
  evalStrait =
    definitions:
    let
      module = import ../module.nix {
        inherit lib pkgs utils;
        config = {
          services.strait = strait;
        };
      };
      options = module.options.services.strait;
      top = fillOptions "services.strait" (removeAttrs options [ "instances" ]) (
        removeAttrs definitions [ "instances" ]
      );
      instanceType = options.instances.type.elemType;
      instances = mapAttrs (
        name: values:
        let
          declared = (instanceType.module { inherit name; }).options;
        in
        fillOptions "services.strait.instances.${name}" declared values
      ) (definitions.instances or { });
      strait = top // {
        inherit instances;
      };
    in
    {
      inherit module strait;
      config =
        let
          resolved = resolve module.config;
        in
        if isAbsent resolved then { } else resolved;
    };

  # A NixOS module of nix/examples called with stand-in arguments.
  evalExample =
    path:
    let
      f = import path;
      value = f {
        inherit lib pkgs;
        config = { };
        modulesPath = "/modules";
      };
    in
    resolve value;
in
{
  inherit
    lib
    utils
    pkgs
    pkgsForPackage
    resolve
    merge
    evalStrait
    evalExample
    ;
}
