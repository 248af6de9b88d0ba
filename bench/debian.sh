#!/usr/bin/env bash
# The Debian image's figures, side by side: native (chroot into the unpacked tree), proot -r on the same
# tree, and userkernel on the image. First the micro-benchmarks of bench.c (from a copy of the tree with
# /bench added), then whole commands: a large dynamic program's start-up (python3 -c pass) and others,
# as the mean wall time of N runs, each including its tool's own start-up. Figures are read, never asserted.
#
#   bench/debian.sh [DIR]   DIR: where images/debian.sh left rootfs/ (default: build one in a temp dir)
#   RUNS=N                  runs per command (default 10)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
uk="$here/../userkernel"
runs="${RUNS:-10}"
[ "$(id -u)" = 0 ] || { echo "debian.sh: needs root (mmdebstrap and chroot)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

src="${1:-}"
if [ -z "$src" ]; then "$here/../images/debian.sh" "$work/debian" --with-gcc >/dev/null; src="$work/debian"; fi

# A copy of the tree with the micro-benchmark added, and its image.
root="$work/root"
cp -a "$src/rootfs" "$root"
mkdir -p "$root/bench"
gcc -O2 -static -o "$root/bench/bench" "$here/bench.c"
gcc -O2 -static -o "$root/bench/true" "$here/true.c"
head -c $((64 * 1024 * 1024)) /dev/urandom > "$root/bench/large"
printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' > "$root/bench/hello.c"
"$uk" image build "$root" -o "$work/debian.img" >/dev/null

have_proot=0; command -v proot >/dev/null && have_proot=1
printf '== micro-benchmarks (bench.c) in the Debian tree\n'
printf '\n-- native (chroot)\n'; chroot "$root" /bench/bench
if [ $have_proot = 1 ]; then printf '\n-- proot\n'; proot -w / -r "$root" /bench/bench; fi
printf '\n-- userkernel\n'; "$uk" run --image "$work/debian.img" -- /bench/bench

# Mean wall time of RUNS runs of a command, in milliseconds; "failed" if any run fails, so a broken
# command never passes for a fast one.
mean_ms() {
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1 || { echo failed; return; }; done
  end=$(date +%s%N)
  echo $(( (end - start) / runs / 1000000 ))
}

env_clean=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb)
printf '\n== whole commands: mean wall time of %s runs, start-up included (ms)\n' "$runs"
printf '%-44s %8s %8s %11s\n' command native proot userkernel
while IFS= read -r cmd; do
  n=$(mean_ms "${env_clean[@]}" chroot "$root" /bin/sh -c "$cmd")
  p=-; [ $have_proot = 1 ] && p=$(mean_ms "${env_clean[@]}" proot -w / -r "$root" /bin/sh -c "$cmd")
  u=$(mean_ms "$uk" run --image "$work/debian.img" -- /bin/sh -c "$cmd")
  printf '%-44s %8s %8s %11s\n' "$cmd" "$n" "$p" "$u"
done <<'COMMANDS'
true
python3 -c pass
python3 -c 'import json, sqlite3, ssl'
perl -e 1
bash -c 'for i in $(seq 50); do /bin/true; done'
dpkg -l
gcc -o /tmp/hello /bench/hello.c && /tmp/hello
COMMANDS
printf '\nuserkernel: the run of `true` is the fixed cost of a userkernel run (the .NET runtime start, the image, the stub).\n'
