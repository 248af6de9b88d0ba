#!/bin/bash
# One hostile run, as HostileGuestTests starts it: as pid 1 of a throwaway pid, net, IPC and mount namespace
# (unshare --pid --fork --kill-child --mount-proc --net --ipc, with --user --map-current-user when not root),
# itself under timeout(1). Everything it starts dies with the namespace.
#
#   harness.sh [userkernel run options...] -- GUEST-COMMAND [ARG...]
#
# Environment: HOSTILE_WORK (a fresh directory), HOSTILE_CANARY and HOSTILE_SUPERVISE (the host programs),
# HOSTILE_DLL (userkernel.dll), HOSTILE_TIMEOUT (seconds userkernel may run).
#
# 1. The canary starts in the background and writes its identifiers to $HOSTILE_WORK/canary.ids.
# 2. userkernel runs the guest command with every identifier appended as KEY=VALUE, and uk_pid= its own host
#    pid; guest.out, guest.err and userkernel.status (from supervise) are written to $HOSTILE_WORK.
# 3. The canary is told the run is over ($HOSTILE_WORK/done) and writes its report to canary.out; a canary
#    that died, stopped or does not answer is reported here, on this script's stdout, as "canary process".
set -u
work=$HOSTILE_WORK

# Our host pids start high, so none of them is also a small guest pid (a guest's kill(pid) of a guest it owns
# must not be mistaken for a hit on the canary). Without the privilege to set the next pid, use pids up.
if ! echo 19999 > /proc/sys/kernel/ns_last_pid 2>/dev/null; then
  for _ in $(seq 1000); do ( : ); done
fi

options=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do options+=("$1"); shift; done
[ $# -gt 0 ] || { echo "harness: no -- before the guest command" >&2; exit 2; }
shift
command=("$@")

"$HOSTILE_CANARY" "$work" > "$work/canary.out" 2> "$work/canary.err" &
canary=$!
for _ in $(seq 1000); do
  [ -e "$work/canary.ready" ] && break
  kill -0 "$canary" 2>/dev/null || break
  sleep 0.01
done
if [ ! -e "$work/canary.ready" ]; then
  echo "harness: the canary did not start: $(cat "$work/canary.err")" >&2
  exit 3
fi
mapfile -t ids < "$work/canary.ids"

TERM=dumb "$HOSTILE_SUPERVISE" "$work/userkernel.status" "$HOSTILE_TIMEOUT" -- \
  dotnet exec "$HOSTILE_DLL" run "${options[@]}" -- "${command[@]}" "${ids[@]}" "uk_pid={pid}" \
  < /dev/null > "$work/guest.out" 2> "$work/guest.err"

state=$(sed -n 's/^[0-9]* ([^)]*) \(.\).*/\1/p' "/proc/$canary/stat" 2>/dev/null)
case "$state" in
  "") echo "canary process: TOUCHED it is gone" ;;
  Z) echo "canary process: TOUCHED it died during the run" ;;
  T|t) echo "canary process: TOUCHED it was stopped (state $state)"; kill -CONT "$canary" ;;
  *) ;;
esac
: > "$work/done"
for _ in $(seq 1000); do
  [ "$(sed -n 's/^[0-9]* ([^)]*) \(.\).*/\1/p' "/proc/$canary/stat" 2>/dev/null)" = Z ] && break
  [ -e "/proc/$canary" ] || break
  sleep 0.01
done
if [ "$(sed -n 's/^[0-9]* ([^)]*) \(.\).*/\1/p' "/proc/$canary/stat" 2>/dev/null)" != Z ] && [ -e "/proc/$canary" ]; then
  echo "canary process: TOUCHED it did not report within 10 s"
  kill -KILL "$canary"
fi
wait "$canary"
echo "canary exit status: $?"
exit 0
