#!/usr/bin/env bash
# Runs the validation suite of the opencontainers runtime-tools (validation/*/*.t, each a TAP producer that
# drives a runtime through its command line: create, start, state, kill, delete, with a busybox bundle and
# the suite's own `runtimetest` checking the container from inside) against this runtime and against runc
# as the reference, and prints one line per test with each side's TAP counts and a verdict: same, worse
# (ours has more failures or fewer passes than runc) or better. Figures are printed, never asserted: the
# exit status says only whether the comparison could be run.
#
#   bench/runtime-tools.sh [--help] RT_DIR [TEST...]
#
#   RT_DIR    a checkout of https://github.com/opencontainers/runtime-tools. If its executables are not
#             built yet they are built offline from its vendor/ directory (GOFLAGS=-mod=vendor
#             GOPROXY=off: `make runtimetest validation-executables`); that needs Go 1.21 or later
#             (Debian 12's golang-go is 1.19, whose library has no `slices`: golang-1.23-go from
#             bookworm-backports builds it; /usr/lib/go-1.2*/bin is looked in when `go` is too old).
#   TEST      test names (validation/NAME/NAME.t), default all of them
#
#   TIMEOUT=S   seconds per test and side before it is killed (default 120)
#   OURS=CMD    the command for this runtime (default: the repository's ./userkernel-runtime; for a quick
#               run, "dotnet Tools/bin/Debug/net10.0/userkernel.dll runtime" after `dotnet build Tools/Tools.csproj`)
#   REF=CMD     the reference runtime (default runc from PATH); REF=none: ours only (the runc column is "-")
#   ONLY=REGEX  only the tests whose name matches REGEX
#   LOGS=DIR    keep every test's TAP output and standard error (DIR/ours/NAME.tap, .err; DIR/runc/...)
#   RAW=FILE    keep the results as tab-separated lines (test, runc, ours, verdict, runc s, ours s, why)
#
# Each side gets a wrapper that adds --root (a fresh state directory under the work directory) and is
# passed as RUNTIME=; the tests run from RT_DIR (they read rootfs-amd64.tar.gz and runtimetest from the
# working directory) with TMPDIR in the work directory, where they make their bundles. After each test
# every container left under that --root is killed (SIGKILL) and deleted by the runtime itself.
#
# A result is "PASS", "FAIL" (some `not ok`), "SKIP" (every test point skipped), "ERROR" (no TAP test point
# and a non-zero exit or an "error" diagnostic: the test gave up before its checks, the usual way for a
# runtime error in create or start, or for the hook tests' lifecycle errors), "NOTAP" (no output and exit 0:
# what the *_fail tests print when the runtime refused the bad config, as it should), or TIMEOUT; with the
# counts p passed, f failed (not ok), s skipped (# SKIP/# TODO).
# Ours is worse when it has more failures or fewer passes than runc, or an ERROR/TIMEOUT where runc has not.
#
# Needs: root (the runc side and many tests: bind mounts, devices, users), tar, timeout, Go >= 1.21 to
# build the suite, the .NET 10 SDK.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") usage >&2; echo "runtime-tools.sh: RT_DIR is missing" >&2; exit 2 ;;
  -*) echo "runtime-tools.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
esac
rt_arg="$1"; shift
[ -d "$rt_arg" ] || { echo "runtime-tools.sh: no such directory: $rt_arg (give the path of a runtime-tools checkout)" >&2; exit 2; }
rt="$(cd "$rt_arg" && pwd)"
[ -f "$rt/Makefile" ] && [ -d "$rt/validation/util" ] && [ -d "$rt/cmd/runtimetest" ] || {
  echo "runtime-tools.sh: $rt is not a runtime-tools checkout (no Makefile, validation/util or cmd/runtimetest)" >&2; exit 2; }
timeout_s="${TIMEOUT:-120}"
ours_cmd="${OURS:-$repo/userkernel-runtime}"
ref_cmd="${REF:-$(command -v runc || echo none)}"
log() { printf 'runtime-tools.sh: %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || log "not root: most tests (and runc) need root; results will say so"

t_start=$(date +%s)
load_start="$(cut -d" " -f1-3 /proc/loadavg)"
work="$(mktemp -d /tmp/uk-rtools.XXXXXX)"
cleanup() {
  local m
  for m in $(findmnt -rn -o TARGET 2>/dev/null | grep -F "$work/" | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Build the suite if needed: offline, from vendor/.
t_build=$(date +%s)
tests=()
if [ $# -gt 0 ]; then tests=("$@")
else for d in "$rt"/validation/*/; do n="$(basename "$d")"; [ "$n" = util ] || tests+=("$n"); done
fi
if [ -n "${ONLY:-}" ]; then
  kept=(); for n in "${tests[@]}"; do [[ "$n" =~ $ONLY ]] && kept+=("$n"); done; tests=("${kept[@]}")
fi
[ ${#tests[@]} -gt 0 ] || { log "no tests to run"; exit 2; }
need_build=0
[ -x "$rt/runtimetest" ] || need_build=1
for n in "${tests[@]}"; do
  [ -f "$rt/validation/$n/$n.go" ] || { log "no such test: validation/$n/$n.go"; exit 2; }
  [ -x "$rt/validation/$n/$n.t" ] || need_build=1
done
if [ $need_build = 1 ]; then
  go_ok() { "$1" version 2>/dev/null | grep -qE 'go1\.(2[1-9]|[3-9][0-9])'; }
  gobin=""
  for g in "$(command -v go || true)" $(ls -d /usr/lib/go-1.*/bin/go 2>/dev/null | sort -V -r); do
    [ -n "$g" ] && go_ok "$g" && { gobin="$g"; break; }
  done
  [ -n "$gobin" ] || { log "no Go 1.21 or later (runtime-tools' vendored moby/sys/capability imports the standard library's slices); on Debian 12: golang-1.23-go from bookworm-backports"; exit 1; }
  log "building runtime-tools offline with $("$gobin" version | cut -d' ' -f3) (make runtimetest validation-executables) ..."
  (cd "$rt" && PATH="$(dirname "$gobin"):$PATH" GOFLAGS=-mod=vendor GOPROXY=off GOTOOLCHAIN=local \
     GOCACHE="${GOCACHE:-$HOME/.cache/go-build}" make runtimetest validation-executables) >"$work/build.log" 2>&1 || {
    tail -30 "$work/build.log" >&2; log "runtime-tools does not build offline"; exit 1; }
fi
t_built=$(date +%s)
[ -f "$rt/rootfs-amd64.tar.gz" ] || {
  # The checkout carries a busybox root; if it does not, one is made from the host's static busybox.
  bb="$(command -v busybox || true)"
  [ -n "$bb" ] && ! ldd "$bb" >/dev/null 2>&1 || { log "no rootfs-amd64.tar.gz in $rt and no static busybox to make one"; exit 1; }
  r="$work/rootfs"; mkdir -p "$r/bin" "$r/etc" "$r/proc" "$r/sys" "$r/dev" "$r/tmp"
  cp "$bb" "$r/bin/busybox"; for a in $("$bb" --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"; printf 'root:x:0:\n' >"$r/etc/group"
  tar -C "$r" -czf "$rt/rootfs-amd64.tar.gz" .
  log "made rootfs-amd64.tar.gz from $bb"
}

# The wrappers: each side with a --root of its own.
sides=(ours)
mkdir -p "$work/ours/root" "$work/ours/tmp" "$work/ours/out"
printf '#!/bin/sh\nexec %s --root %s "$@"\n' "$ours_cmd" "$work/ours/root" >"$work/ours/runtime"
if [ "$ref_cmd" != none ]; then
  sides=(runc ours)
  mkdir -p "$work/runc/root" "$work/runc/tmp" "$work/runc/out"
  printf '#!/bin/sh\nexec %s --root %s "$@"\n' "$ref_cmd" "$work/runc/root" >"$work/runc/runtime"
fi
chmod +x "$work"/*/runtime
"$work/ours/runtime" list >"$work/ours/first.log" 2>&1 || {
  cat "$work/ours/first.log" >&2; log "our runtime does not run ($ours_cmd list)"; exit 1; }

# Kill and delete whatever a test left under a side's --root.
sweep() {
  local side="$1" id
  for id in $("$work/$side/runtime" list --format json 2>/dev/null | grep -o '"id": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/'); do
    "$work/$side/runtime" kill "$id" KILL >/dev/null 2>&1 || true
    timeout 20 "$work/$side/runtime" delete --force "$id" >/dev/null 2>&1 || true
  done
  local m
  for m in $(findmnt -rn -o TARGET 2>/dev/null | grep -F "$work/$side/tmp/" | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf "${work:?}/$side/tmp/"* 2>/dev/null || true
}
run_side() {   # side name -> status
  local side="$1" name="$2" st=0
  (cd "$rt" && TMPDIR="$work/$side/tmp" RUNTIME="$work/$side/runtime" \
     timeout -k 10 "$timeout_s" "./validation/$name/$name.t" </dev/null \
     >"$work/$side/out/$name.tap" 2>"$work/$side/out/$name.err") || st=$?
  sweep "$side"
  return $st
}
# classify TAP STATUS: "WORD passed failed skipped"
classify() {
  awk -v st="$2" '
    /^  *"error":/ { e++ }
    /^ok / || /^not ok / {
      skip = ($0 ~ /# *(SKIP|skip|TODO|todo)/)
      if (skip) s++; else if ($1 == "ok") p++; else f++
    }
    END {
      p += 0; f += 0; s += 0
      if (st == 124 || st == 137) r = "TIMEOUT"
      else if (p + f + s == 0) r = (st == 0 && !e ? "NOTAP" : "ERROR")
      else if (f > 0) r = "FAIL"
      else if (p == 0) r = "SKIP"
      else if (st != 0) r = "ERROR"
      else r = "PASS"
      print r, p, f, s
    }' "$1"
}
show() {   # WORD p f s -> "FAIL 3p 1f"
  local s="$1" k v
  set -- "$2" "$3" "$4"
  for k in p f s; do v="$1"; shift; [ "$v" = 0 ] || s="$s $v$k"; done
  printf '%s' "$s"
}
bad() { case "$1" in ERROR|TIMEOUT) echo 1 ;; *) echo 0 ;; esac; }
# The complaints of a side, numbers and random names blanked: first the not-ok lines of runtimetest (the
# checks made inside the container, whose TAP output the test quotes in its diagnostics as "stdout"),
# then the test's own not-ok descriptions, then its "error" diagnostics.
complaints() {
  { grep -E '^ +"stdout": ' "$1.tap" | grep -o -E '\\nnot ok [0-9]+ - [^\\]*' | sed 's/^\\n//'
    grep -E '^not ok ' "$1.tap"
    grep -E '^ +"error": ' "$1.tap" | sed -E 's/^ +"error": "//; s/\\n.*//; s/",?$//'
  } 2>/dev/null | grep -v -E '# *(SKIP|TODO)' | sed -E 's/^not ok [0-9]+ - //; s/[0-9]{3,}/N/g' || true
}

results="$work/results.tsv"
: >"$results"
t_run=$(date +%s)
i=0
for name in "${tests[@]}"; do
  i=$((i + 1))
  r_res="-"; r_s="-"; rr=(- 0 0 0)
  if [ "$ref_cmd" != none ]; then
    t0=$(date +%s%N); st=0; run_side runc "$name" || st=$?; t1=$(date +%s%N)
    read -r -a rr < <(classify "$work/runc/out/$name.tap" "$st")
    r_res="$(show "${rr[@]}")"; r_s="$(( (t1 - t0) / 1000000 ))e-3"
  fi
  t0=$(date +%s%N); st=0; run_side ours "$name" || st=$?; t1=$(date +%s%N)
  read -r -a or < <(classify "$work/ours/out/$name.tap" "$st")
  o_res="$(show "${or[@]}")"; o_s="$(( (t1 - t0) / 1000000 ))e-3"
  verdict="-"
  if [ "$ref_cmd" != none ]; then
    verdict=same
    bo="$(bad "${or[0]}")"; br="$(bad "${rr[0]}")"
    if [ "$bo" -gt "$br" ]; then verdict=worse
    elif [ "$bo" -lt "$br" ]; then verdict=better
    elif [ "${or[2]}" -gt "${rr[2]}" ] || [ "${or[1]}" -lt "${rr[1]}" ]; then verdict=worse
    elif [ "${or[2]}" -lt "${rr[2]}" ] || [ "${or[1]}" -gt "${rr[1]}" ]; then verdict=better
    fi
  fi
  why=""
  if [ "$verdict" = worse ] || { [ "$verdict" = - ] && [ "${or[0]}" != PASS ]; }; then
    why="$(complaints "$work/ours/out/$name" | grep -v -x -F -f <(complaints "$work/runc/out/$name"; echo '@@none@@') | head -1 || true)"
    [ -n "$why" ] || why="$(grep -v -E '^\s*$' "$work/ours/out/$name.err" 2>/dev/null | grep -v -E '^(exit status|failed to (create|start) the container)' | head -1 || true)"
    why="$(printf '%s' "$why" | tr '|\t' '/ ' | cut -c1-140)"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$r_res" "$o_res" "$verdict" "$r_s" "$o_s" "$why" >>"$results"
  log "[$i/${#tests[@]}] $name: runc $r_res, ours $o_res: $verdict"
done
t_end=$(date +%s)
if [ -n "${LOGS:-}" ]; then
  mkdir -p "$LOGS"
  for s in "${sides[@]}"; do mkdir -p "$LOGS/$s"; cp "$work/$s/out/"* "$LOGS/$s/" 2>/dev/null || true; done
fi
[ -z "${RAW:-}" ] || cp "$results" "$RAW"
printf '\n| test | runc | ours | verdict | runc s | ours s | ours: first failure runc has not (worse only) |\n|---|---|---|---|---:|---:|---|\n'
awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, ($5 == "-" ? "-" : sprintf("%.1f", $5)), sprintf("%.1f", $6), $7 }' "$results"
printf '\nResults: p passed, f failed (not ok), s skipped, as the TAP output counts them; ERROR: no test point and a\nnon-zero exit or an error diagnostic (the test gave up before its checks); NOTAP: no output, exit 0; TIMEOUT:\nkilled after %s s.\n' "$timeout_s"
awk -F'\t' '{ for (c = 2; c <= 3; c++) { n = split($c, a, " "); w[c, a[1]]++; for (j = 2; j <= n; j++) { k = substr(a[j], length(a[j])); t[c, k] += a[j] + 0 } } }
  END {
    split("runc ours", side, " ")
    for (c = 2; c <= 3; c++) printf "%s: %d PASS, %d NOTAP, %d FAIL, %d SKIP, %d ERROR, %d TIMEOUT; test points %d passed, %d failed, %d skipped\n",
      side[c - 1], w[c, "PASS"], w[c, "NOTAP"], w[c, "FAIL"], w[c, "SKIP"], w[c, "ERROR"], w[c, "TIMEOUT"], t[c, "p"], t[c, "f"], t[c, "s"]
  }' "$results"
printf 'runtime-tools %s at %s; host: %s cores, %s; load average %s at the start, %s at the end\n' \
  "$(git -C "$rt" describe --always --tags 2>/dev/null || echo '?')" "$rt" "$(nproc)" "$(uname -r)" "$load_start" "$(cut -d" " -f1-3 /proc/loadavg)"
printf 'userkernel %s (%s); reference %s; runtime-tools.sh took %d s (building %d s, running %d s)\n' \
  "$(git -C "$repo" log -1 --format='%h' 2>/dev/null || echo '?')" "$ours_cmd" \
  "$([ "$ref_cmd" = none ] && echo none || "$ref_cmd" --version 2>/dev/null | head -1)" $((t_end - t_start)) $((t_built - t_build)) $((t_end - t_run))
awk -F'\t' '{ n[$4]++ } END { printf "%d same, %d worse, %d better\n", n["same"], n["worse"], n["better"] }' "$results"
