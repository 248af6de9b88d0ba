#!/usr/bin/env bash
# Does a large directory cost in proportion to its size? For directories of 1,000, 10,000 and 100,000 empty files in an
# image, the wall time of `ls -f`, `find` and `tar c` of the directory (static busybox), natively (chroot into the
# tree), under proot on the tree, and under userkernel on the image, with the time per entry. Figures are read, never
# asserted; a per-entry cost that grows with the size is a quadratic path.
#
#   bench/scale.sh          RUNS=N: runs per figure, the median kept (default 3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
uk="$here/../userkernel"
runs="${RUNS:-3}"
bb="$(command -v busybox || true)"
[ -n "$bb" ] && file -L "$bb" | grep -q 'statically linked' || { echo "scale.sh: needs a static busybox (apt-get install busybox-static)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The median wall time of RUNS runs of a command, in ms.
median_ms() {
  local times=() start end
  for _ in $(seq "$runs"); do
    start=$(date +%s%N); "$@" >/dev/null 2>&1 || true; end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'
}

printf '%-8s %-7s %12s %12s %12s %16s\n' entries command native proot userkernel "uk µs/entry"
for n in 1000 10000 100000; do
  root="$work/root-$n"
  mkdir -p "$root/bin" "$root/d" "$root/tmp"
  cp "$bb" "$root/bin/busybox"
  for applet in sh ls find tar wc true; do ln -s busybox "$root/bin/$applet"; done
  (cd "$root/d" && seq -f 'f%06g' "$n" | xargs touch)
  "$uk" image build "$root" -o "$work/scale-$n.img" >/dev/null 2>&1
  "$uk" run --image "$work/scale-$n.img" -- /bin/true >/dev/null 2>&1 || true
  for cmd in "ls -f /d" "find /d" "tar cf /dev/null /d"; do
    native="-"; proot_ms="-"
    [ "$(id -u)" = 0 ] && native=$(median_ms chroot "$root" /bin/sh -c "$cmd")
    command -v proot >/dev/null && proot_ms=$(median_ms proot -r "$root" /bin/sh -c "$cmd")
    ours=$(median_ms "$uk" run --read-only --image "$work/scale-$n.img" -- /bin/sh -c "$cmd")
    per=$(awk -v t="$ours" -v n="$n" 'BEGIN { printf "%.2f", t * 1000 / n }')
    printf '%-8s %-7s %10s ms %10s ms %10s ms %16s\n' "$n" "${cmd%% *}" "$native" "$proot_ms" "$ours" "$per"
  done
done
