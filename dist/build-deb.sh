#!/usr/bin/env bash
# make deb: builds the Debian package (debian/) with dpkg-buildpackage from a
# copy of the tree (tracked files and new ones not ignored, as they are in
# the working tree), so that the build leaves nothing in the tree, and puts
# strait_VERSION_ARCH.deb and its .buildinfo / .changes in OUT_DIR
# (default build/deb). Prints the path of the .deb last.
#   dist/build-deb.sh [OUT_DIR]
# JOBS: parallel compile jobs (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-build/deb}")
jobs=${JOBS:-$(nproc)}

for tool in dpkg-buildpackage dpkg-parsechangelog dpkg-checkbuilddeps dh; do
  command -v "$tool" >/dev/null ||
    { echo "build-deb: $tool is missing: install dpkg-dev and debhelper (ci/install-deps)" >&2; exit 1; }
done
if ! missing=$(dpkg-checkbuilddeps 2>&1); then
  echo "build-deb: $missing" >&2
  echo "build-deb: install them (ci/install-deps installs them all)" >&2
  exit 1
fi

version=$(dpkg-parsechangelog -S Version)
# The copy sits at the same place every time: ccache keys hold the paths
# of files outside the source tree, so a fixed path lets a second build hit.
source="$out/strait-$version"
rm -rf "$source"
mkdir -p "$source"
rm -f "$out"/strait_*.deb "$out"/strait-dbgsym_*.deb "$out"/build.log "$out"/strait_*.buildinfo "$out"/strait_*.changes
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done |
  tar --null -T - -cf - | tar -xf - -C "$source"

# debhelper 13 gives the build a HOME of its own: keep ccache's cache
# (shared with `make build`) where it is.
if command -v ccache >/dev/null; then
  CCACHE_DIR=${CCACHE_DIR:-$(ccache -k cache_dir)}
  export CCACHE_DIR
fi
# No -dbgsym package: the build has no debug information (-O2, no -g).
export DEB_BUILD_OPTIONS="parallel=$jobs noautodbgsym ${DEB_BUILD_OPTIONS:-}"
(cd "$source" && dpkg-buildpackage --build=binary --no-sign) >"$out/build.log" 2>&1 || {
  tail -40 "$out/build.log" >&2
  echo "build-deb: dpkg-buildpackage failed; the whole log: $out/build.log" >&2
  exit 1
}
rm -rf "$source"
deb=$(ls "$out"/strait_"$version"_*.deb)
echo "build-deb: $deb (log: $out/build.log)"
