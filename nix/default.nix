# nix-build nix/ (or nix-env -i -f nix/, as the seed installs Vita): strait
# from this checkout, with the nixpkgs found on NIX_PATH unless one is given.
{
  pkgs ? import <nixpkgs> { },
}:
pkgs.callPackage ./package.nix { }
