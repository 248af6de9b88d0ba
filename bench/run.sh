#!/usr/bin/env bash
# Prints the micro-benchmarks side by side: native, proot and userkernel, on the same files, and the floors of
# interception (bench/floor.c).
# Needs gcc, mke2fs and (optionally) proot. Figures are for reading, never asserted.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

root="$work/root"
mkdir -p "$root/bench" "$root/etc" "$root/dev"
gcc -O2 -static -o "$root/bench/bench" "$here/bench.c"
gcc -O2 -static -o "$root/bench/true" "$here/true.c"
gcc -O2 -o "$work/floor" "$here/floor.c"
cp /etc/passwd "$root/etc/passwd"
# A static busybox as /bin/sh for bench.c's shell loop (skipped without it).
bb="$(command -v busybox || true)"
if [ -n "$bb" ] && file -L "$bb" 2>/dev/null | grep -q 'statically linked'; then mkdir -p "$root/bin"; cp "$bb" "$root/bin/sh"; fi
head -c $((64 * 1024 * 1024)) /dev/urandom > "$root/bench/large"
mke2fs -q -F -t ext4 -d "$root" "$work/bench.img" 256M

# Natively the program looks for /bench and /etc/passwd at the root: run it in a chroot when we can.
if [ "$(id -u)" = 0 ]; then native=(chroot "$root" /bench/bench); else native=(); fi

run() { printf '\n== %s\n' "$1"; shift; "$@"; }
if [ ${#native[@]} -gt 0 ]; then run "native (chroot)" "${native[@]}"; else echo "native: skipped (needs root for chroot)"; fi
if command -v proot >/dev/null; then run "proot" proot -w / -r "$root" /bench/bench; else echo "proot: not installed (apt-get install proot)"; fi
"$here/../userkernel" run --image "$work/bench.img" -- /bin/true 2>/dev/null || true   # build the launcher first
run "userkernel" "$here/../userkernel" run --image "$work/bench.img" -- /bench/bench
run "userkernel --trace (to a file)" "$here/../userkernel" run --trace="$work/trace.log" --image "$work/bench.img" -- /bench/bench
# The floors (bench/floor.c): the least one mediated getppid costs under ptrace and as a seccomp notification.
run "floor: a ptrace stop per getppid" "$work/floor" trace "$root/bench/bench" getppid
run "floor: a seccomp notification per getppid" "$work/floor" notify "$root/bench/bench" getppid

# Memory: the kernel process's peak RSS (GNU time's %M, in KB) for a run of true, and for runs that read the 64 MiB
# /bench/large (bench.c's read): with the content cache (the default: the image's file bytes are kept on disk, first run cold, then warm)
# and without it (USERKERNEL_CONTENT_CACHE=off: the file read into the kernel's memory and a memfd in every run).
if [ -x /usr/bin/time ]; then
  printf '\n== memory: peak RSS of the kernel process\n'
  export XDG_CACHE_HOME="$work/cache"
  rss() { /usr/bin/time -f %M "$here/../userkernel" run --image "$work/bench.img" -- "$@" 2>&1 >/dev/null | tail -1; }
  printf '%-48s %8s KB\n' "run -- /bench/true" "$(rss /bench/true)"
  printf '%-48s %8s KB\n' "read 64 MiB, content cache cold" "$(rss /bench/bench read)"
  printf '%-48s %8s KB\n' "read 64 MiB, content cache warm" "$(rss /bench/bench read)"
  printf '%-48s %8s KB\n' "read 64 MiB, no content cache (memfd per run)" "$(USERKERNEL_CONTENT_CACHE=off rss /bench/bench read)"
  unset XDG_CACHE_HOME
else
  echo "memory: skipped (needs GNU time: apt-get install time)"
fi
