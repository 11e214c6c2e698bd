# strait, built from this repository with nixpkgs' toolchain (callPackage
# style, as a nixpkgs package would be):
#
#   nix-build nix/                  # nix/default.nix calls this file
#   nix-env -i -f nix/              # as the seed installs Vita
#   pkgs.callPackage ./nix/package.nix { }   # from a NixOS configuration
#
# Only the `strait` binary and its man page (CMake targets `strait` and
# `man`) are built; the tests need root and network namespaces and run in the
# repository's own CI (make test), not in the Nix sandbox. The files are
# installed by the project's own CMake install rules (`cmake --install`).
{
  lib,
  stdenv,
  cmake,
  ninja,
  pkg-config,
  writeShellScript,
  llvmPackages,
  linuxHeaders,
  intel-ipsec-mb,
  libsodium,
  libb2,
  libpcap,
  libbpf,
  xdp-tools, # provides libxdp (its `lib` output holds libxdp.so and libxdp.pc)
  elfutils, # libbpf.pc and libxdp.pc require libelf
  zlib,
  boost, # Boost.Test: the CMake configuration asks for it even when no test is built
}:

let
  # The project's version, when CMakeLists.txt declares one
  # (project(strait VERSION x.y.z)), else 0-unstable.
  cmakeLists = builtins.readFile ../CMakeLists.txt;
  declared = builtins.match ".*project\\(strait[[:space:]]+VERSION[[:space:]]+([0-9.]+).*" cmakeLists;
  version = if declared == null then "0-unstable" else builtins.head declared;

  # The XDP program (gateway/xdp/xsk_redirect.bpf.c) is compiled with
  # `clang -target bpf`. nixpkgs' clang wrapper adds hardening flags meant for
  # the host (stack protector, zero-call-used-regs) that the BPF target
  # rejects; an unwrapped clang with the two include directories the program
  # needs (linux/*.h, bpf/*.h) does only what CMake asks. CMake takes it as
  # BPF_CLANG (gateway/xdp/CMakeLists.txt, find_program).
  bpfClang = writeShellScript "strait-bpf-clang" ''
    exec ${llvmPackages.clang-unwrapped}/bin/clang \
      -isystem ${linuxHeaders}/include \
      -isystem ${lib.getDev libbpf}/include \
      "$@"
  '';

  # The source, less what a checkout may hold that the build does not read:
  # VCS metadata, build directories, editor files, Nix results, and the
  # fuzzing corpora and captures (large, unused by this build).
  excluded = [
    "build"
    "result"
    "fuzz"
    "pcaps"
  ];
  src = lib.cleanSourceWith {
    name = "strait-source";
    src = lib.cleanSource ../.;
    filter =
      path: type:
      let
        relative = lib.removePrefix (toString ../. + "/") (toString path);
        top = builtins.head (lib.splitString "/" relative);
      in
      !(builtins.elem top excluded) && !(lib.hasPrefix "build-" top) && !(lib.hasPrefix "result-" top);
  };
in
stdenv.mkDerivation {
  pname = "strait";
  inherit version src;

  nativeBuildInputs = [
    cmake
    ninja
    pkg-config
  ];
  buildInputs = [
    intel-ipsec-mb
    libsodium
    libb2
    libpcap
    libbpf
    xdp-tools
    xdp-tools.lib
    elfutils
    zlib
    boost
  ];

  # The project builds with warnings as errors (its CI pins Debian 12's
  # compilers); a newer nixpkgs compiler may warn where GCC 12 did not, which
  # must not break a deployment build. The warnings are still printed.
  postPatch = ''
    substituteInPlace CMakeLists.txt --replace-fail " -Werror)" ")"
  '';

  cmakeFlags = [
    "-DCMAKE_BUILD_TYPE=Release"
    "-DBPF_CLANG=${bpfClang}"
  ];

  # Two targets, not `all` (which holds every test and tool of the repository).
  buildPhase = ''
    runHook preBuild
    ninja -j$NIX_BUILD_CORES strait man
    runHook postBuild
  '';

  # The project's install rules (bin/strait, share/man/man8/strait.8, the
  # systemd units and the example configuration) without building `all`.
  installPhase = ''
    runHook preInstall
    cmake --install . --prefix "$out"
    runHook postInstall
  '';

  doCheck = false; # the tests need root and network namespaces: make test

  meta = {
    description = "Vita IPsec VPN gateway (ESP, vita-ske) on AF_XDP / AF_PACKET";
    longDescription = ''
      A C++ reference implementation of the Vita IPsec VPN gateway: ESP
      tunnel mode with AES-GCM and the vita-ske key exchange, reading Vita's
      configuration files, on AF_XDP (XDP sockets) or AF_PACKET.
    '';
    mainProgram = "strait";
    # libipsec-mb (intel-ipsec-mb) is x86_64 only.
    platforms = [ "x86_64-linux" ];
  };
}
