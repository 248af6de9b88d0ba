#!/usr/bin/env bash
# Compares two revisions of userkernel on bench.c's micro-benchmarks, beside native (chroot) and proot.
# Each revision is checked out into its own temporary git worktree (outside the repository, removed at
# the end) and its ./userkernel launcher builds it there. The bench image is made once, as run.sh makes
# it, and every configuration runs on the same files. The configurations take turns on each operation,
# round after round (their order rotates each round), so that drifts of the VM's speed fall on all of
# them alike; the table shows the median of the rounds and NEW/BASE as a time ratio (>1: NEW is slower).
# Figures are printed, never asserted: the exit status says only whether the comparison could be run.
#
#   bench/compare.sh [BASE [NEW]]   git revisions (default: BASE=7055919, the commit before the
#                                   security work, NEW=HEAD; committed trees, not the working tree)
#   ROUNDS=N     rounds (default 5)
#   RUNS=N       timed runs of `userkernel run --image IMG -- /bench/true` per round and tool (default 5)
#   PROOT=0      leave proot out (its mediated calls are the slowest part of a round)
#   NATIVE=0     leave native (chroot, root only) out
#   FLOOR=0      leave out the floor tracers (floor.c: the least a ptrace stop or a seccomp notification costs,
#                measured on getppid only; NEW's getppid is also printed as a multiple of each)
#   OPS="A B"    only these of bench.c's selectors (default: getppid passthrough open stat spawn shloop read true)
#   RAW=FILE     keep every figure there (config, op, value, unit, round; tab-separated)
#   MAX_LOAD=L   before each measurement, wait (at most MAX_WAIT s, default 600) for the 1-minute load
#                average to fall below L: the VM is shared, and other work on it is the largest noise
#
# Needs git, gcc (static libc), mke2fs, python3, the .NET 10 SDK; optionally proot and a static busybox
# (its sh runs bench.c's shell loop of 50 /bench/true).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(git -C "$here" rev-parse --show-toplevel)"
base_arg="${1:-${BASE:-7055919}}"
new_arg="${2:-${NEW:-HEAD}}"
rounds="${ROUNDS:-5}"
runs="${RUNS:-5}"
base="$(git -C "$repo" rev-parse --verify --quiet "$base_arg^{commit}")" || { echo "compare.sh: no such revision: $base_arg" >&2; exit 2; }
new="$(git -C "$repo" rev-parse --verify --quiet "$new_arg^{commit}")" || { echo "compare.sh: no such revision: $new_arg" >&2; exit 2; }

t_start=$(date +%s)
load_start="$(cut -d" " -f1-3 /proc/loadavg)"
work="$(mktemp -d /tmp/uk-compare.XXXXXX)"
cleanup() {
  local wt
  for wt in "$work/base" "$work/new"; do
    if [ -e "$wt" ]; then git -C "$repo" worktree remove --force "$wt" >/dev/null 2>&1 || rm -rf "$wt"; fi
  done
  git -C "$repo" worktree prune >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
log() { printf '%s\n' "$*" >&2; }

# The two revisions, each in its own worktree, each built by its own launcher.
log "compare.sh: BASE $(git -C "$repo" log -1 --format='%h %s' "$base" | cut -c1-100)"
log "compare.sh: NEW  $(git -C "$repo" log -1 --format='%h %s' "$new" | cut -c1-100)"
git -C "$repo" worktree add --detach "$work/base" "$base" >/dev/null 2>&1
git -C "$repo" worktree add --detach "$work/new" "$new" >/dev/null 2>&1

# The bench image, once, as run.sh makes it; bench.c is this checkout's, so both revisions run the same binary.
root="$work/root"
img="$work/bench.img"
mkdir -p "$root/bench" "$root/etc" "$root/dev"
gcc -O2 -static -o "$root/bench/bench" "$here/bench.c"
gcc -O2 -static -o "$root/bench/true" "$here/true.c"
gcc -O2 -o "$work/floor" "$here/floor.c"
cp /etc/passwd "$root/etc/passwd"
bb="$(command -v busybox || true)"
if [ -n "$bb" ] && ! ldd "$bb" >/dev/null 2>&1; then mkdir -p "$root/bin"; cp "$bb" "$root/bin/sh"; else log "compare.sh: no static busybox: the shell loop is skipped"; fi
head -c $((64 * 1024 * 1024)) /dev/urandom > "$root/bench/large"
mke2fs -q -F -t ext4 -d "$root" "$img" 256M >/dev/null

build() {   # $1: label, $2: worktree
  local t0=$SECONDS
  log "compare.sh: building $1 in $2 ..."
  if ! "$2/userkernel" run --image "$img" -- /bench/true >"$work/build-$1.out" 2>&1; then
    cat "$work/build-$1.out" >&2
    [ -f "$2/.build/build.log" ] && tail -50 "$2/.build/build.log" >&2
    log "compare.sh: $1 does not build or does not run /bench/true"; exit 1
  fi
  log "compare.sh: $1 built in $((SECONDS - t0)) s"
}
build base "$work/base"
build new "$work/new"

configs=()
if [ "${NATIVE:-1}" != 0 ]; then
  if [ "$(id -u)" = 0 ]; then configs+=(native); else log "compare.sh: native skipped (needs root for chroot)"; fi
fi
if [ "${PROOT:-1}" != 0 ]; then
  if command -v proot >/dev/null; then configs+=(proot); else log "compare.sh: proot not installed (apt-get install proot)"; fi
fi
configs+=(base new)
[ "${FLOOR:-1}" = 0 ] || configs+=(floor-trace floor-notify)

cmd() {   # $1: config, then the guest's argv
  local c="$1"; shift
  case "$c" in
    native) chroot "$root" "$@" ;;
    proot)  proot -w / -r "$root" "$@" ;;
    base)   "$work/base/userkernel" run --image "$img" -- "$@" ;;
    new)    "$work/new/userkernel" run --image "$img" -- "$@" ;;
    floor-trace)  "$work/floor" trace "$root$1" "${@:2}" ;;
    floor-notify) "$work/floor" notify "$root$1" "${@:2}" ;;
  esac
}

results="$work/results.tsv"   # config <TAB> op <TAB> value <TAB> unit <TAB> round
: >"$results"
# bench.c's selectors, one at a time so that the configurations take turns on each operation and
# BASE's and NEW's figures for it are taken minutes apart at most; "true" is the timed whole runs.
read -r -a ops <<<"${OPS:-getppid passthrough open stat spawn shloop read true}"
wait_quiet() {   # MAX_LOAD=L: wait (at most MAX_WAIT s, default 600) until the 1-minute load is below L
  [ -n "${MAX_LOAD:-}" ] || return 0
  local waited=0
  while awk -v m="$MAX_LOAD" '{ exit !($1 >= m) }' /proc/loadavg && [ $waited -lt "${MAX_WAIT:-600}" ]; do
    sleep 5; waited=$((waited + 5))
  done
  [ $waited -eq 0 ] || log "compare.sh: waited ${waited} s for the load to fall below $MAX_LOAD (now $(cut -d" " -f1 /proc/loadavg))"
}
run_op() {   # $1: config, $2: op
  local c="$1" op="$2" out="$work/out" i t0 t1 st
  case "$c" in floor-*) [ "$op" = getppid ] || return 0 ;; esac   # the floors mediate getppid only
  wait_quiet
  if [ "$op" = true ]; then
    for i in $(seq "$runs"); do
      # bash's own clock (µs), not `date`: two forks of date cost more than a native run of true.
      t0=${EPOCHREALTIME/./}
      if cmd "$c" /bench/true >/dev/null 2>&1; then
        t1=${EPOCHREALTIME/./}
        printf '%s\trun of /bench/true\t%s\tms\t%s\n' "$c" "$(( t1 - t0 ))e-3" "$r" >>"$results"
      else
        log "compare.sh: $c: a run of /bench/true failed"
      fi
    done
    return
  fi
  st=0; cmd "$c" /bench/bench "$op" >"$out" 2>"$work/err" || st=$?
  if [ $st = 0 ]; then
    # "name value unit": the name may hold spaces (read 64MiB, sh loop 50x).
    awk -v c="$c" -v r="$r" 'NF >= 3 { n = $1; for (i = 2; i <= NF - 2; i++) n = n " " $i;
                   printf "%s\t%s\t%s\t%s\t%s\n", c, n, $(NF-1), $NF, r }' "$out" >>"$results"
  else
    log "compare.sh: $c: bench $op failed (status $st):"; cat "$work/err" >&2
  fi
}

t_bench=$(date +%s)
n=${#configs[@]}
for r in $(seq "$rounds"); do
  order=()
  for k in $(seq 0 $((n - 1))); do order+=("${configs[$(( (k + r - 1) % n ))]}"); done
  log "compare.sh: round $r/$rounds: ${order[*]} (load $(cut -d" " -f1-3 /proc/loadavg))"
  for op in "${ops[@]}"; do
    for c in "${order[@]}"; do run_op "$c" "$op"; done
  done
done
t_end=$(date +%s)
[ -z "${RAW:-}" ] || cp "$results" "$RAW"

python3 - "$results" "$rounds" "$runs" "${configs[*]}" <<'PY'
import sys, statistics
path, rounds, runs, configs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split()
vals, units, order, per_round = {}, {}, [], {}
for line in open(path):
    c, op, v, u, r = line.rstrip("\n").split("\t")
    if op not in units:
        order.append(op)
    units[op] = u
    vals.setdefault((c, op), []).append(float(v))
    per_round.setdefault((c, op), {}).setdefault(r, []).append(float(v))
names = {"native": "native", "proot": "proot", "base": "uk BASE", "new": "uk NEW",
         "floor-trace": "floor (ptrace)", "floor-notify": "floor (notification)"}
label = {"getppid": "getppid (one stop)", "umask": "umask (passthrough)", "read 64MiB": "read 64 MiB",
         "sh loop 50x": "sh loop of 50 /bench/true", "run of /bench/true": "a whole run of /bench/true (start-up included)"}
def fmt(v, u):
    if u == "ns/op": return f"{v:,.0f} ns"
    if u == "ms": return f"{v:,.2f} ms"
    if u == "MB/s": return f"{v:,.0f} MB/s"
    return f"{v:g} {u}"
def med(c, op):
    xs = vals.get((c, op))
    return statistics.median(xs) if xs else None
def spread(c, op):
    xs = vals.get((c, op))
    m = statistics.median(xs) if xs else 0
    return f"±{(max(xs) - min(xs)) / 2 / m * 100:.0f}%" if xs and m else "-"
head = ["op"] + [names[c] for c in configs] + ["NEW/BASE", "paired", "of minima", "BASE spread", "NEW spread"]
rows = []
for op in order:
    u = units[op]
    row = [label.get(op, op)]
    for c in configs:
        m = med(c, op)
        row.append(fmt(m, u) if m is not None else "-")
    b, n = med("base", op), med("new", op)
    if b and n:
        ratio = b / n if u == "MB/s" else n / b   # a time ratio either way: >1 means NEW is slower
        row.append(f"{ratio:.3f}")
    else:
        row.append("-")
    pb, pn = per_round.get(("base", op), {}), per_round.get(("new", op), {})
    pairs = [statistics.median(pn[r]) / statistics.median(pb[r]) for r in pb if r in pn]
    if pairs:
        pr = statistics.median([1 / x for x in pairs] if u == "MB/s" else pairs)
        row.append(f"{pr:.3f}")
    else:
        row.append("-")
    xb, xn = vals.get(("base", op)), vals.get(("new", op))
    if xb and xn:
        r2 = max(xb) / max(xn) if u == "MB/s" else min(xn) / min(xb)
        row.append(f"{r2:.3f}")
    else:
        row.append("-")
    row += [spread("base", op), spread("new", op)]
    rows.append(row)
print(f"\nMedians of {rounds} rounds (the whole run: of {rounds}x{runs} runs). NEW/BASE is a time ratio "
      "(for the read, BASE MB/s / NEW MB/s): >1 means NEW is slower. NEW/BASE: of the two medians; paired: the median "
      "of each round's own ratio (BASE and NEW ran minutes apart at most); of minima: of each side's best round (for "
      "the read, its highest rate), which the VM's noise only makes worse. Spread: half the min-max range over the median.\n")
print("| " + " | ".join(head) + " |")
print("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
for row in rows:
    print("| " + " | ".join(row) + " |")
def over_floor(c, floor):   # the paired median of c's getppid over the floor's
    pc, pf = per_round.get((c, "getppid"), {}), per_round.get((floor, "getppid"), {})
    pairs = [statistics.median(pc[r]) / statistics.median(pf[r]) for r in pf if r in pc]
    return f"{statistics.median(pairs):.2f}x" if pairs else "-"
for floor, what in (("floor-trace", "the ptrace floor"), ("floor-notify", "the notification floor")):
    if (floor, "getppid") in vals:
        print(f"\ngetppid over {what} (paired medians): NEW {over_floor('new', floor)}, BASE {over_floor('base', floor)}", end="")
print()
PY
printf '\nBASE %s\nNEW  %s\n' "$(git -C "$repo" log -1 --format='%h %s' "$base" | cut -c1-120)" "$(git -C "$repo" log -1 --format='%h %s' "$new" | cut -c1-120)"
printf 'host: %s cores, %s; load average %s at the start, %s at the end\n' "$(nproc)" "$(uname -r)" "$load_start" "$(cut -d" " -f1-3 /proc/loadavg)"
printf 'compare.sh took %d s (benchmarks %d s, %s rounds)\n' $((t_end - t_start)) $((t_end - t_bench)) "$rounds"
