#!/usr/bin/env bash
# Runs a list of the Linux Test Project's syscall tests natively (as root, in a chroot of a tree made
# for them) and in the guest (userkernel run on an image of the same tree), and prints one line per
# test with each side's result as LTP reports it and a verdict: same, worse (the guest's result is
# below native's) or better. Figures are printed, never asserted: the exit status says only whether
# the comparison could be run.
#
#   bench/ltp.sh [--help] LTP_DIR [LIST]
#
#   LTP_DIR   a checkout of https://github.com/linux-test-project/ltp. If it is not built yet, it is
#             configured for static binaries (make autotools; ./configure LDFLAGS=-static) and only
#             the library and the directories of the listed tests are built; a tree built before is
#             used as it is (its test binaries must be static: the tree has no libc).
#   LIST      test names from LTP_DIR/runtest/syscalls, one a line, '#' comments
#             (default: bench/ltp-syscalls.list, which says which tests are left out and why)
#
#   TIMEOUT=S      seconds per test and side before it is killed (default 120; LTP's own limit is
#                  30 s per test plus its runtime, LTP_TIMEOUT_MUL and LTP_RUNTIME_MUL scale them)
#   RUNTIME_MUL=X  LTP_RUNTIME_MUL for both sides (default 0.1: the few tests that loop for a given
#                  time, such as fuzzy races, loop a tenth of it)
#   JOBS=N         make -jN when building LTP (default 2)
#   NATIVE=0       guest only (the native column is then "-"); the native side needs root
#   ONLY=REGEX     only the listed tests whose name matches REGEX
#   LOGS=DIR       keep every test's output there (DIR/native/NAME.log, DIR/guest/NAME.log)
#   RAW=FILE       keep the results as tab-separated lines (test, native, guest, verdict, seconds,
#                  the guest's first complaint)
#
# How each side runs a test:
#   native  unshare --mount --net --pid --fork: a fresh mount namespace (an overlay over the tree, so
#           that a test's changes are gone afterwards, and tmpfs /dev with the guest's device nodes,
#           devpts, /dev/shm, /tmp, proc and read-only sysfs, all vanishing with the namespace), a
#           network namespace with only loopback up, and a pid namespace whose pid 1 is ltp-init
#   guest   userkernel run --image IMG -- /opt/ltp/init COMMAND (the guest's pid 1 is ltp-init too)
# ltp-init (bench/ltp-init.c) forks the test and reaps orphans: LTP's library takes a parent pid of 1
# for "the main test process has exited". Both sides get the same environment (TMPDIR=/tmp,
# LTPROOT=/opt/ltp, PATH with /opt/ltp/testcases/bin, LTP_COLORIZE_OUTPUT=0).
#
# A result is LTP's: from the exit status (TBROK 2, TFAIL 1, TWARN 4, TCONF 32, OR-ed) and the counts
# of its summary (or of its TPASS/TFAIL/... lines for tests of the old API): BROK, FAIL, WARN, CONF
# (skipped, nothing passed), PASS, or TIMEOUT, SIGNAL (the test died of one) and ERROR (127: not
# executed; 125: userkernel itself failed). They rank TIMEOUT/SIGNAL/ERROR < BROK < FAIL < WARN <
# CONF < PASS; the guest is worse or better when its rank differs, and for equal ranks when it has
# more (or fewer) failed+broken results or fewer (or more) passed ones.
#
# Needs: gcc (static libc), make, autoconf, automake, m4 (to build LTP), unshare, chroot, mount, ip
# (util-linux, iproute2), a static busybox (optional: /bin/sh for tests that run one), the .NET 10 SDK.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
uk="$repo/userkernel"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") usage >&2; echo "ltp.sh: LTP_DIR is missing" >&2; exit 2 ;;
  -*) echo "ltp.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
esac
[ $# -le 2 ] || { echo "ltp.sh: too many arguments (see --help)" >&2; exit 2; }
ltp_arg="$1"
list="${2:-$here/ltp-syscalls.list}"
[ -d "$ltp_arg" ] || { echo "ltp.sh: no such directory: $ltp_arg (give the path of an LTP checkout)" >&2; exit 2; }
ltp="$(cd "$ltp_arg" && pwd)"
[ -f "$ltp/runtest/syscalls" ] && [ -d "$ltp/testcases/kernel/syscalls" ] && [ -d "$ltp/lib" ] || {
  echo "ltp.sh: $ltp is not an LTP checkout (no runtest/syscalls, testcases/kernel/syscalls or lib)" >&2; exit 2; }
[ -f "$list" ] || { echo "ltp.sh: no such list: $list" >&2; exit 2; }
timeout_s="${TIMEOUT:-120}"
runtime_mul="${RUNTIME_MUL:-0.1}"
jobs="${JOBS:-2}"
native=1
if [ "${NATIVE:-1}" = 0 ]; then native=0
elif [ "$(id -u)" != 0 ]; then echo "ltp.sh: not root: the native side is skipped (NATIVE=0 says so quietly)" >&2; native=0
fi
log() { printf 'ltp.sh: %s\n' "$*" >&2; }

t_start=$(date +%s)
load_start="$(cut -d" " -f1-3 /proc/loadavg)"
work="$(mktemp -d /tmp/uk-ltp.XXXXXX)"
cleanup() {
  # The native side's mounts live in namespaces that end with each test; this only makes sure that
  # nothing is left mounted under the work directory before it is removed.
  local m
  for m in $(findmnt -rn -o TARGET 2>/dev/null | grep -F "$work/" | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The list: each name's command line from runtest/syscalls, and the directory its binary is built in.
declare -A cmdline srcdir
names=()
while read -r name _; do
  case "$name" in ''|'#'*) continue ;; esac
  [ -z "${ONLY:-}" ] || [[ "$name" =~ $ONLY ]] || continue
  line="$(awk -v n="$name" '$1 == n { $1 = ""; sub(/^ +/, ""); print; exit }' "$ltp/runtest/syscalls")"
  [ -n "$line" ] || { log "$name is not in $ltp/runtest/syscalls: left out"; continue; }
  bin="${line%% *}"
  src="$(ls "$ltp"/testcases/kernel/syscalls/*/"${bin%_64}.c" 2>/dev/null | head -1)"
  [ -n "$src" ] || { log "$name: no source ${bin%_64}.c under testcases/kernel/syscalls: left out"; continue; }
  cmdline[$name]="$line"
  srcdir[$name]="$(dirname "$src")"
  names+=("$name")
done < "$list"
[ ${#names[@]} -gt 0 ] || { log "no tests to run"; exit 2; }
log "${#names[@]} tests from $(basename "$list"), LTP $(git -C "$ltp" describe --always 2>/dev/null || echo '(not a git checkout)')"

# Build LTP: configure once (static), then the library and each needed directory whose binaries are missing.
t_build=$(date +%s)
if [ ! -f "$ltp/include/mk/config.mk" ]; then
  log "configuring LTP for static binaries (make autotools; ./configure LDFLAGS=-static) ..."
  (cd "$ltp" && make autotools && ./configure LDFLAGS=-static) >"$work/configure.log" 2>&1 || {
    tail -30 "$work/configure.log" >&2; log "LTP does not configure"; exit 1; }
fi
if [ ! -f "$ltp/lib/libltp.a" ]; then
  log "building LTP's library ..."
  make -j"$jobs" -C "$ltp/lib" >"$work/build-lib.log" 2>&1 || { tail -30 "$work/build-lib.log" >&2; log "LTP's library does not build"; exit 1; }
fi
declare -A dirs_needed
for name in "${names[@]}"; do
  bin="${cmdline[$name]%% *}"
  [ -x "${srcdir[$name]}/$bin" ] || dirs_needed[${srcdir[$name]}]=1
done
for d in "${!dirs_needed[@]}"; do
  log "building ${d#"$ltp/"} ..."
  make -j"$jobs" -C "$d" >"$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; log "${d#"$ltp/"} does not build: its tests will fail to run"; }
done
t_built=$(date +%s)

# The tree: every program of each needed directory (tests with their helpers) in /opt/ltp/testcases/bin.
root="$work/root"
bindir="$root/opt/ltp/testcases/bin"
mkdir -p "$bindir" "$root/etc" "$root/proc" "$root/dev" "$root/sys" "$root/tmp" "$root/root" "$root/bin"
chmod 1777 "$root/tmp"
declare -A copied
for name in "${names[@]}"; do
  d="${srcdir[$name]}"
  [ -z "${copied[$d]:-}" ] || continue
  copied[$d]=1
  find "$d" -maxdepth 1 -type f -perm -u+x ! -name '*.sh' -exec cp -p {} "$bindir/" \;
done
dynamic=0
for f in "$bindir"/*; do
  if readelf -l "$f" 2>/dev/null | grep -q 'Requesting program interpreter'; then dynamic=$((dynamic + 1)); fi
done
[ $dynamic = 0 ] || log "$dynamic programs are dynamically linked (configure LTP with LDFLAGS=-static): they will not run"
gcc -O2 -static -o "$root/opt/ltp/init" "$here/ltp-init.c"
cp /etc/passwd /etc/group "$root/etc/"
echo ltp >"$root/etc/hostname"
bb="$(command -v busybox || true)"
if [ -n "$bb" ] && ! ldd "$bb" >/dev/null 2>&1; then
  cp "$bb" "$root/bin/busybox"
  for a in sh cat echo ls rm mkdir true false sleep env id touch; do ln -s busybox "$root/bin/$a"; done
else
  log "no static busybox: the tree has no /bin/sh"
fi
img="$work/ltp.img"
"$uk" image build "$root" -o "$img" >"$work/image.log" 2>&1 || { cat "$work/image.log" >&2; log "the image does not build"; exit 1; }
log "tree: $(find "$bindir" -type f | wc -l) programs, image $(du -h "$img" | cut -f1)"
"$uk" run --image "$img" -- /opt/ltp/init /bin/true >"$work/uk.log" 2>&1 || {
  cat "$work/uk.log" >&2; [ -f "$repo/.build/build.log" ] && tail -30 "$repo/.build/build.log" >&2
  log "userkernel does not build or does not run the image"; exit 1; }

# The native side's set-up inside its namespaces: an overlay over the tree and the guest's /dev, /proc,
# /sys and /tmp, then chroot to ltp-init. Runs as pid 1 of the new pid namespace, so proc is its own.
cat >"$work/native.sh" <<'SH'
set -e
root="$1" ov="$2"; shift 2
guest_path="$PATH"
PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t tmpfs -o mode=755 ov "$ov"
mkdir "$ov/upper" "$ov/work" "$ov/merged"
mount -t overlay -o "lowerdir=$root,upperdir=$ov/upper,workdir=$ov/work" overlay "$ov/merged"
r="$ov/merged"
mount -t tmpfs -o mode=755 dev "$r/dev"
mknod -m 666 "$r/dev/null" c 1 3; mknod -m 666 "$r/dev/zero" c 1 5; mknod -m 666 "$r/dev/full" c 1 7
mknod -m 666 "$r/dev/random" c 1 8; mknod -m 666 "$r/dev/urandom" c 1 9; mknod -m 666 "$r/dev/tty" c 5 0
mkdir "$r/dev/pts" "$r/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts"
ln -s pts/ptmx "$r/dev/ptmx"
ln -s /proc/self/fd "$r/dev/fd"; ln -s /proc/self/fd/0 "$r/dev/stdin"
ln -s /proc/self/fd/1 "$r/dev/stdout"; ln -s /proc/self/fd/2 "$r/dev/stderr"
mount -t tmpfs -o mode=1777 shm "$r/dev/shm"
mount -t tmpfs -o mode=1777 tmp "$r/tmp"
mount -t proc proc "$r/proc"
mount -t sysfs -o ro sysfs "$r/sys"
ip link set lo up
c="$(command -v chroot)"
PATH="$guest_path" exec "$c" "$r" /opt/ltp/init "$@"
SH
mkdir -p "$work/ov" "$work/out/native" "$work/out/guest"
envs=(PATH=/opt/ltp/testcases/bin:/usr/bin:/bin TMPDIR=/tmp LTPROOT=/opt/ltp HOME=/root
      LTP_COLORIZE_OUTPUT=0 "LTP_RUNTIME_MUL=$runtime_mul")
uk_envs=()
for e in "${envs[@]}"; do uk_envs+=(--env "$e"); done

run_native() {   # $1: name, then the command
  local name="$1"; shift
  timeout -k 10 "$timeout_s" env -i "${envs[@]}" unshare --mount --net --pid --fork --kill-child \
    /bin/sh "$work/native.sh" "$root" "$work/ov" "$@" </dev/null >"$work/out/native/$name.log" 2>&1
}
run_guest() {   # $1: name, then the command
  local name="$1"; shift
  timeout -k 10 "$timeout_s" "$uk" run --image "$img" "${uk_envs[@]}" -- /opt/ltp/init "$@" \
    </dev/null >"$work/out/guest/$name.log" 2>&1
}

# classify LOG STATUS: "WORD passed failed broken skipped warnings"
classify() {
  awk -v st="$2" '
    /^Summary:/ { summary = 1; next }
    summary && $1 == "passed"   { sp = $2 } summary && $1 == "failed"   { sf = $2 }
    summary && $1 == "broken"   { sb = $2 } summary && $1 == "skipped"  { sc = $2 }
    summary && $1 == "warnings" { sw = $2 }
    { for (i = 1; i <= NF; i++) {
        w = $i; sub(/:$/, "", w)
        if (w == "TPASS") p++; else if (w == "TFAIL") f++; else if (w == "TBROK") b++
        else if (w == "TCONF") c++; else if (w == "TWARN") wn++
      } }
    END {
      if (sp != "") { p = sp; f = sf; b = sb; c = sc; wn = sw }
      p += 0; f += 0; b += 0; c += 0; wn += 0
      if (st == 124 || st == 137) r = "TIMEOUT"
      else if (st == 125 || st == 126 || st == 127) r = "ERROR"
      else if (st > 128) r = "SIGNAL"
      else if (int(st / 2) % 2) r = "BROK"
      else if (st % 2) r = "FAIL"
      else if (int(st / 4) % 2) r = "WARN"
      else if ((st == 0 || st == 32) && p == 0 && c > 0) r = "CONF"
      else if (st == 0 || st == 32) r = "PASS"
      else r = "ERROR"
      print r, p, f, b, c, wn
    }' "$1"
}
rank() { case "$1" in PASS) echo 5 ;; CONF) echo 4 ;; WARN) echo 3 ;; FAIL) echo 2 ;; BROK) echo 1 ;; *) echo 0 ;; esac; }
show() {   # WORD p f b c w -> "FAIL 3p 1f"
  local s="$1" k v
  set -- "$2" "$3" "$4" "$5" "$6"
  for k in p f b c w; do v="$1"; shift; [ "$v" = 0 ] || s="$s $v$k"; done
  printf '%s' "$s"
}

results="$work/results.tsv"
: >"$results"
t_run=$(date +%s)
i=0
for name in "${names[@]}"; do
  i=$((i + 1))
  read -r -a cmd <<<"${cmdline[$name]}"
  n_res="-"; n_s="-"; nr=(- 0 0 0 0 0)
  if [ $native = 1 ]; then
    t0=$(date +%s%N); st=0; run_native "$name" "${cmd[@]}" || st=$?; t1=$(date +%s%N)
    read -r -a nr < <(classify "$work/out/native/$name.log" "$st")
    n_res="$(show "${nr[@]}")"; n_s="$(( (t1 - t0) / 1000000 ))e-3"
  fi
  t0=$(date +%s%N); st=0; run_guest "$name" "${cmd[@]}" || st=$?; t1=$(date +%s%N)
  read -r -a gr < <(classify "$work/out/guest/$name.log" "$st")
  g_res="$(show "${gr[@]}")"; g_s="$(( (t1 - t0) / 1000000 ))e-3"
  verdict=same
  if [ $native = 1 ]; then
    rn=$(rank "${nr[0]}"); rg=$(rank "${gr[0]}")
    if [ "$rg" -lt "$rn" ]; then verdict=worse
    elif [ "$rg" -gt "$rn" ]; then verdict=better
    elif [ $((gr[2] + gr[3])) -gt $((nr[2] + nr[3])) ] || [ "${gr[1]}" -lt "${nr[1]}" ]; then verdict=worse
    elif [ $((gr[2] + gr[3])) -lt $((nr[2] + nr[3])) ] || [ "${gr[1]}" -gt "${nr[1]}" ]; then verdict=better
    fi
  else
    verdict="-"
  fi
  why=""
  if [ "$verdict" = worse ]; then   # the guest's first complaint that native did not make
    new="$(grep -E 'T(FAIL|BROK|WARN|CONF)' "$work/out/guest/$name.log" | sed -E 's/^[^ ]*:[0-9]+: //' |
           grep -v -x -F -f <(grep -E 'T(FAIL|BROK|WARN|CONF)' "$work/out/native/$name.log" | sed -E 's/^[^ ]*:[0-9]+: //') || true)"
    # LTP's warning about /proc/self/oom_score_adj comes first in most tests: name something else if there is
    why="$({ grep -v "Can't adjust score" <<<"$new" || true; printf '%s\n' "$new"; } | grep -v '^$' | head -1 | tr '|\t' '/ ' | cut -c1-110 || true)"
    [ -n "$why" ] || why="$(tail -1 "$work/out/guest/$name.log" | tr '|\t' '/ ' | cut -c1-110)"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$n_res" "$g_res" "$verdict" "$n_s" "$g_s" "$why" >>"$results"
  log "[$i/${#names[@]}] $name: native $n_res, guest $g_res: $verdict"
done
t_end=$(date +%s)
if [ -n "${LOGS:-}" ]; then mkdir -p "$LOGS"; cp -r "$work/out/native" "$work/out/guest" "$LOGS/"; fi
[ -z "${RAW:-}" ] || cp "$results" "$RAW"

printf '\n| test | native | guest | verdict | native s | guest s | the guest: first new complaint (worse only) |\n|---|---|---|---|---:|---:|---|\n'
awk -F'\t' '{ printf "| %s | %s | %s | %s | %.2f | %.2f | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$results"
printf '\nResults: p passed, f failed, b broken, c skipped (TCONF), w warnings, as LTP counts them.\n'
awk -F'\t' '$4 == "worse" { split($2, a, " "); split($3, b, " "); n[a[1] " -> " b[1]]++ }
  END { for (k in n) printf "worse, %s: %d\n", k, n[k] }' "$results" | sort
awk -F'\t' '$4 == "worse" { split($2, a, " "); split($3, b, " "); w = 0
    for (i in a) if (a[i] ~ /w$/) w -= a[i] + 0
    for (i in b) if (b[i] ~ /w$/) w += b[i] + 0
    sa = $2; sb = $3; gsub(/ [0-9]+w/, "", sa); gsub(/ [0-9]+w/, "", sb)
    if (w > 0 && (sa == sb || ((a[1] == "PASS" || a[1] == "CONF") && b[1] == "WARN" && substr(sa, 5) == substr(sb, 5)))) n++ }
  END { printf "of the worse, %d differ only by TWARN warnings (the same passes, failures and skips)\n", n }' "$results"
printf 'LTP %s at %s; host: %s cores, %s; load average %s at the start, %s at the end\n' \
  "$(git -C "$ltp" describe --always 2>/dev/null || echo '?')" "$ltp" "$(nproc)" "$(uname -r)" "$load_start" "$(cut -d" " -f1-3 /proc/loadavg)"
printf 'userkernel %s; ltp.sh took %d s (building %d s, running %d s)\n' \
  "$(git -C "$repo" log -1 --format='%h' 2>/dev/null || echo '?')" $((t_end - t_start)) $((t_built - t_build)) $((t_end - t_run))
awk -F'\t' '{ n[$4]++ } END { printf "%d same, %d worse, %d better\n", n["same"], n["worse"], n["better"] }' "$results"
