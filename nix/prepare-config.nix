# The script that writes a gateway's configuration with its keys
# (services.strait.instances.<name>.keyFiles, nix/module.nix): the template
# (text from the store, placeholders instead of keys) with each placeholder
# replaced by the key its file holds, written to `target` with mode 600.
#
# Only bash builtins touch a key (read, [[ ]], ${//}, printf): it is never an
# argument of a program, so never visible in /proc/*/cmdline, and it is never
# printed. Each key file must exist, be mode 600 (no access for group or
# others) and hold 64 hex digits on one line (`strait keygen > FILE`); each
# placeholder must occur in the template. Otherwise the script says which
# and what to do, and exits 1 without writing anything.
{ lib, writeShellScript }:
{
  name,
  template,
  target,
  keyFiles,
}:
let
  q = lib.escapeShellArg;
  substitute = placeholder: file: ''
    if [[ $text != *${q placeholder}* ]]; then
      echo "strait-${name}: ${template} has no placeholder ${placeholder} (services.strait.instances.${name}.keyFiles)" >&2
      exit 1
    fi
    if [[ ! -f ${q file} ]]; then
      echo "strait-${name}: ${file} is missing: write the key with 'strait keygen > ${file}; chmod 600 ${file}'" >&2
      exit 1
    fi
    mode=$(stat -c %a ${q file})
    if (( 8#$mode & 8#077 )); then
      echo "strait-${name}: ${file} is readable or writable by group or others (mode $mode): chmod 600 ${file}" >&2
      exit 1
    fi
    key=
    IFS= read -r key < ${q file} || true
    if [[ ! $key =~ ^[0-9A-Fa-f]{64}$ ]]; then
      echo "strait-${name}: ${file} must hold one pre-shared key, 64 hex digits on one line (strait keygen > ${file})" >&2
      exit 1
    fi
    text=''${text//${q placeholder}/"$key"}
  '';
in
writeShellScript "strait-${name}-prepare" ''
  set -euo pipefail
  umask 077
  text=$(< ${q template})
  ${lib.concatStrings (lib.mapAttrsToList substitute keyFiles)}
  key=
  printf '%s\n' "$text" > ${q target}.tmp
  text=
  mv -f ${q target}.tmp ${q target}
''
