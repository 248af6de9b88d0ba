#!/usr/bin/env bash
# Builds a Debian bookworm minbase root filesystem with mmdebstrap, from the apt sources this
# machine already uses (never a hard-coded mirror), and an ext4 image of it made by `userkernel image build`.
#
#   images/debian.sh OUTDIR [--with-gcc] [--include PKG,PKG]
#
# Leaves OUTDIR/rootfs (the unpacked tree, for chroot comparisons) and OUTDIR/debian.img.
# Needs root (mmdebstrap's root mode keeps owners and device nodes) and mmdebstrap.
set -euo pipefail

usage() { sed -n '5,9p' "$0" | sed 's/^# \{0,1\}//'; }

out=""
include="python3,perl,gzip,tar,findutils,grep,sed"
while [ $# -gt 0 ]; do
  case "$1" in
    --with-gcc) include="$include,gcc,libc6-dev"; shift ;;
    --include) include="$include,$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "debian.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) out="$1"; shift ;;
  esac
done
[ -n "$out" ] || { usage >&2; exit 2; }
command -v mmdebstrap >/dev/null || { echo "debian.sh: mmdebstrap is missing (apt-get install mmdebstrap)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "debian.sh: run as root (mmdebstrap keeps owners and device nodes only as root)" >&2; exit 1; }

# The machine's own apt sources: deb822 files and one-line lists, as mmdebstrap accepts them.
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -s "$f" ] && grep -qv '^\s*\(#\|$\)' "$f" && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || { echo "debian.sh: this machine has no apt sources to build from" >&2; exit 1; }

mkdir -p "$out"
rm -rf "$out/rootfs.partial"
mmdebstrap --variant=minbase --include="$include" --quiet bookworm "$out/rootfs.partial" "${sources[@]}"
rm -rf "$out/rootfs"
mv "$out/rootfs.partial" "$out/rootfs"
# The image writer makes lost+found; the unpacked tree gets one too, so both list the same root.
mkdir -p -m 700 "$out/rootfs/lost+found"

# The image is made by userkernel's own writer (no mke2fs, no loop mount), sized to fit the tree.
# USERKERNEL may name another way to run it (the tests use their own build).
read -r -a userkernel <<< "${USERKERNEL:-$(cd "$(dirname "$0")/.." && pwd)/userkernel}"
"${userkernel[@]}" image build "$out/rootfs" -o "$out/debian.img" --label debian
echo "$out/debian.img"
