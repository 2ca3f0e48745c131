#!/usr/bin/env bash
# The reference failover walkthrough (conf/flume-failover-*.properties) with real flume-ng processes on one
# machine: collector1 on 127.0.0.2:4444, collector2 on 127.0.0.3:4444, the agent tailing a file.
#
# It runs the walkthrough twice: with the seed client file as written (its misspelt
# `processor.priority.maxpenality` leaves the penalty cap at 30000 ms), then with
# `a1.sinkgroups.g1.processor.maxpenalty = 1000` added. Steps, each appending numbered lines:
#   1 both collectors up  2 collector1 killed (kill -9)  3 collector1 restarted
#   4 both collectors killed  5 only collector2 restarted
# and prints, per step, where the lines went, what was lost or duplicated, the failover gap and the
# failback delay. A third run uses conf/flume-failover-client-taildir.properties (TAILDIR instead of
# `exec tail -f`) and adds a step: 6 the agent is stopped, lines are appended and the log is rotated by
# rename while it is down, then it is started again.
# Exit status: 0 when nothing was lost, 1 when a line was lost, 2 on a setup problem.
#
# Needs: the .NET 10 SDK (it builds flume-ng into artifacts/demo-bin), bash, coreutils, awk, grep, setsid.
# FAILOVER_DEMO_SKIP_BUILD=1 reuses an existing artifacts/demo-bin/flume-ng.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR="$ROOT/artifacts/demo-bin"
FLUME="$BIN_DIR/flume-ng"
SEED_CLIENT="$ROOT/conf/flume-failover-client.properties"
SEED_SERVER="$ROOT/conf/flume-failover-server.properties"
SEED_TAILDIR="$ROOT/conf/flume-failover-client-taildir.properties"
HOST1=127.0.0.2
HOST2=127.0.0.3
PORT=4444
LINES_PER_STEP=20
WORK="$ROOT/.demo/$(date +%Y%m%d-%H%M%S)"

# pids of the flume-ng processes this script started; each is the leader of its own process group
# (setsid), so stopping it also stops the agent's `tail` child.
declare -A PIDS=()

die() { echo "failover-demo: $*" >&2; exit 2; }
now_ms() { date +%s%3N; }

# Milliseconds since the epoch of a log line "2026-11-25 04:11:11,089 (...) ...".
line_ms() {
  local d=${1:0:10} t=${1:11:12}
  date -d "$d ${t/,/.}" +%s%3N
}

stop_proc() { # name [signal]
  local name=$1 sig=${2:-TERM} pid=${PIDS[$1]:-}
  [[ -n $pid ]] || return 0
  kill "-$sig" -- "-$pid" 2>/dev/null
  local deadline=$(( $(now_ms) + 5000 ))
  while kill -0 "$pid" 2>/dev/null && (( $(now_ms) < deadline )); do sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  unset "PIDS[$name]"
}

cleanup() {
  local name
  for name in "${!PIDS[@]}"; do stop_proc "$name" TERM; done
}
trap cleanup EXIT
trap 'echo "failover-demo: interrupted" >&2; exit 130' INT TERM

listening() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# --- prerequisites and build -------------------------------------------------------------------------
command -v dotnet >/dev/null 2>&1 || die "'dotnet' was not found on PATH. Install the .NET 10 SDK (https://dotnet.microsoft.com/download) and run this again."
for tool in awk grep setsid timeout date; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required but was not found on PATH"
done
[[ -f $SEED_CLIENT && -f $SEED_SERVER && -f $SEED_TAILDIR ]] || die "seed configuration files missing under $ROOT/conf"

if [[ ${FAILOVER_DEMO_SKIP_BUILD:-0} != 1 || ! -x $FLUME ]]; then
  # The published flume-ng is native (AOT): linking needs clang and zlib's headers.
  if ! command -v clang >/dev/null 2>&1 || [[ ! -e /usr/include/zlib.h ]]; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      echo "Installing clang and zlib1g-dev (to link the native flume-ng) ..."
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang zlib1g-dev) >/dev/null 2>&1 \
        || die "could not install clang and zlib1g-dev (apt-get install clang zlib1g-dev)"
    else
      die "clang and zlib1g-dev are needed to publish the native flume-ng (apt-get install clang zlib1g-dev as root)"
    fi
  fi
  echo "Building flume-ng (dotnet publish -c Release -o artifacts/demo-bin) ..."
  mkdir -p "$ROOT/artifacts"
  if ! dotnet publish "$ROOT/src/FlumeNet.Agent" -c Release -o "$BIN_DIR" --nologo -v q >"$ROOT/artifacts/demo-build.log" 2>&1; then
    tail -n 40 "$ROOT/artifacts/demo-build.log" >&2
    die "the build failed (last lines above; full output in artifacts/demo-build.log)"
  fi
fi
[[ -x $FLUME ]] || die "$FLUME was not produced by the build"

for h in $HOST1 $HOST2; do
  if listening "$h" "$PORT"; then
    die "port $PORT on $h is already in use (something accepts connections there); stop it and run this again"
  fi
done

mkdir -p "$WORK" || die "cannot create $WORK"
echo "Work dir: $WORK"

# --- one walkthrough ---------------------------------------------------------------------------------
# Globals of the current run.
RUN_DIR=""
SEQ=0
declare -A STEP_NAME=()
FAILOVER_GAP="n/a"
FAILBACK_DELAY="n/a"
RECOVERY_DELAY="n/a"
K1_RETRY="n/a"
RUN_LOST=0

start_proc() { # name conf-file log-file
  setsid "$FLUME" agent --conf "$RUN_DIR/conf" --conf-file "$2" --name a1 -Dflume.root.logger=INFO,console >>"$3" 2>&1 &
  PIDS[$1]=$!
}

# Starts collector N and waits until its Avro server listens; sets LISTEN_MS to the time of that log line.
# (Not called in $(...): the process must be a child of this shell.)
LISTEN_MS=0
start_collector() {
  local n=$1 host log
  host=$([[ $n == 1 ]] && echo $HOST1 || echo $HOST2)
  log="$RUN_DIR/collector$n.log"
  touch "$log"
  local before
  before=$(grep -c "Avro RPC server listening on $host:$PORT" "$log")
  start_proc "collector$n" "$RUN_DIR/collector$n.properties" "$log"
  local deadline=$(( $(now_ms) + 20000 )) line
  while (( $(now_ms) < deadline )); do
    line=$(grep "Avro RPC server listening on $host:$PORT" "$log" | sed -n "$((before + 1))p")
    if [[ -n $line ]]; then
      LISTEN_MS=$(line_ms "$line")
      return 0
    fi
    if ! kill -0 "${PIDS[collector$n]}" 2>/dev/null; then
      echo "failover-demo: collector$n exited; its log ($log) ends with:" >&2
      tail -n 5 "$log" >&2
      return 1
    fi
    sleep 0.05
  done
  echo "failover-demo: collector$n did not listen on $host:$PORT within 20 s" >&2
  return 1
}

kill9_collector() {
  local pid=${PIDS[collector$1]}
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  unset "PIDS[collector$1]"
}

# Appends one numbered line "S<step>-<nnnn>" (7 bytes: fits the logger sink's 16-byte preview).
append_one() {
  SEQ=$((SEQ + 1))
  local body
  body=$(printf 'S%d-%04d' "$1" "$SEQ")
  printf '%s\n' "$body" >>"$RUN_DIR/server.log"
  printf '%s %s\n' "$1" "$body" >>"$RUN_DIR/appended.txt"
}

# Appends N lines for a step, 4 every 100 ms.
append_step() {
  local step=$1 count=${2:-$LINES_PER_STEP} i
  for ((i = 1; i <= count; i++)); do
    append_one "$step"
    (( i % 4 == 0 && i < count )) && sleep 0.1
  done
}

# Bodies printed by collector N's logger sink (one per delivery, duplicates kept).
bodies() {
  grep -h 'LoggerSink.process' "$RUN_DIR/collector$1.log" 2>/dev/null | grep -o 'Event: { headers:{.*} body: .*' | awk '{print $(NF-1)}'
}

# Number of appended lines not yet printed by any collector. (Files are told apart by name, not by FNR == NR,
# which would take appended.txt for the bodies while no collector has printed anything yet.)
undelivered() {
  awk 'FILENAME == ARGV[1] { got[$1] = 1; next } !($2 in got) { n++ } END { print n + 0 }' \
    <(bodies 1; bodies 2) "$RUN_DIR/appended.txt"
}

wait_all_delivered() { # timeout-ms
  local deadline=$(( $(now_ms) + $1 ))
  while (( $(now_ms) < deadline )); do
    [[ $(undelivered) == 0 ]] && return 0
    sleep 0.1
  done
  echo "  ! $(undelivered) line(s) still undelivered after $(( $1 / 1000 )) s" >&2
  return 1
}

count_events() { grep -c 'LoggerSink.process' "$RUN_DIR/collector$1.log" 2>/dev/null || true; }

# ms time of the first logger line of collector N after line number $2 of its log (empty if none).
first_event_after() {
  local line
  line=$(tail -n +"$(( $2 + 1 ))" "$RUN_DIR/collector$1.log" | grep -m1 'LoggerSink.process')
  [[ -n $line ]] && line_ms "$line"
}

log_lines() { wc -l <"$RUN_DIR/collector$1.log"; }

# Records what the script did, in the log's timestamp format, for the timeline.
mark() { printf '%s [demo] %s\n' "$(date '+%Y-%m-%d %H:%M:%S,%3N')" "$*" >>"$RUN_DIR/marks.txt"; }

# The script's actions merged with the agent's failover lines, from the kill of collector1 on.
print_timeline() {
  local start
  start=$(grep -m1 'kill -9 collector1' "$RUN_DIR/marks.txt" 2>/dev/null | cut -c1-23)
  [[ -n $start ]] || return 0
  echo "Timeline (script actions and the agent's failover lines):"
  {
    cat "$RUN_DIR/marks.txt"
    grep -E 'failed and has been sent|was recovered|Building RpcClient|Unable to deliver|probe' "$RUN_DIR/agent.log" \
      | grep -v lifecycleSupervisor \
      | sed -E 's/^(.{23}) \([^)]*\) \[([A-Z]+) - [^]]*\] /\1 [agent] \2 /'
  } | sort -s -k1,2 | awk -v s="$start" '($1 " " $2) >= s' | cut -c12-200 | sed 's/^/    /'
}

run_walkthrough() { # label extra-client-line [client-file]
  local label=$1 extra=$2 client=${3:-$SEED_CLIENT}
  RUN_DIR="$WORK/$label"
  mkdir -p "$RUN_DIR/conf"
  : >"$RUN_DIR/server.log"
  : >"$RUN_DIR/appended.txt"
  SEQ=0
  STEP_NAME=()
  FAILOVER_GAP="n/a"
  FAILBACK_DELAY="n/a"
  RECOVERY_DELAY="n/a"
  K1_RETRY="n/a"
  : >"$RUN_DIR/marks.txt"

  # Collector files: the seed server file with only `bind` changed.
  sed "s/^a1\.sources\.r1\.bind = slave1\$/a1.sources.r1.bind = $HOST1/" "$SEED_SERVER" >"$RUN_DIR/collector1.properties"
  sed "s/^a1\.sources\.r1\.bind = slave1\$/a1.sources.r1.bind = $HOST2/" "$SEED_SERVER" >"$RUN_DIR/collector2.properties"
  # Agent file: the client file with only the hostnames and the paths under /root/flume_test changed (typos kept).
  sed -e "s/^a1\.sinks\.k1\.hostname = slave1\$/a1.sinks.k1.hostname = $HOST1/" \
    -e "s/^a1\.sinks\.k2\.hostname = slave2\$/a1.sinks.k2.hostname = $HOST2/" \
    -e "s#/root/flume_test/#$RUN_DIR/#g" \
    "$client" >"$RUN_DIR/agent.properties"
  if [[ -n $extra ]]; then
    printf '\n%s\n' "$extra" >>"$RUN_DIR/agent.properties"
  fi
  for f in collector1 collector2; do
    grep -q "bind = 127.0.0" "$RUN_DIR/$f.properties" || die "could not rewrite bind in $f.properties"
  done
  [[ $(grep -c "hostname = 127.0.0" "$RUN_DIR/agent.properties") == 2 && $(grep -c "^a1\.sources\.r1\.[a-z0-9.]* = .*$RUN_DIR/server" "$RUN_DIR/agent.properties") == 1 ]] \
    || die "could not rewrite the client file $client (hostnames / tailed path)"

  echo
  echo "=== Run '$label' ==="
  echo "Agent config: $RUN_DIR/agent.properties (diff against $(basename "$client"):)"
  diff "$client" "$RUN_DIR/agent.properties" | grep '^[<>]' | sed 's/^/    /'

  start_collector 1 || return 1
  start_collector 2 || return 1
  start_proc agent "$RUN_DIR/agent.properties" "$RUN_DIR/agent.log"
  # The agent is ready when both sinks have started (Rpc sink k2 started. comes last).
  local deadline=$(( $(now_ms) + 20000 ))
  until grep -q 'Rpc sink k2 started' "$RUN_DIR/agent.log" 2>/dev/null && grep -qE 'Exec source starting|TaildirSource source starting' "$RUN_DIR/agent.log"; do
    (( $(now_ms) < deadline )) || { echo "failover-demo: the agent did not start within 20 s; see $RUN_DIR/agent.log" >&2; return 1; }
    kill -0 "${PIDS[agent]}" 2>/dev/null || { echo "failover-demo: the agent exited; see $RUN_DIR/agent.log" >&2; tail -n 5 "$RUN_DIR/agent.log" >&2; return 1; }
    sleep 0.05
  done
  sleep 0.3 # `tail -f` opens the file a moment after it is spawned
  echo "Agent's configuration warnings:"
  grep -E 'WARN' "$RUN_DIR/agent.log" | grep -E 'maxpenality|transactioncapacity' | sed 's/^/    /'

  # 1. before any fault
  STEP_NAME[1]="both collectors up"
  echo "[step 1] ${STEP_NAME[1]}: appending $LINES_PER_STEP lines"
  append_step 1
  wait_all_delivered 15000

  # 2. collector1 killed
  STEP_NAME[2]="collector1 killed (kill -9)"
  local c2_off kill_ms first
  c2_off=$(log_lines 2)
  kill_ms=$(now_ms)
  mark "kill -9 collector1"
  kill9_collector 1
  echo "[step 2] ${STEP_NAME[2]}: appending $LINES_PER_STEP lines"
  append_step 2
  wait_all_delivered 30000
  first=$(first_event_after 2 "$c2_off")
  [[ -n $first ]] && FAILOVER_GAP="$(( first - kill_ms )) ms"

  # 3. collector1 restarted: one line every 100 ms until one reaches collector1, then the step's lines
  STEP_NAME[3]="collector1 restarted"
  local c1_off listen_ms before extra_lines=0
  c1_off=$(log_lines 1)
  mark "restarting collector1"
  start_collector 1 || return 1
  listen_ms=$LISTEN_MS
  mark "collector1 listening (log line at $(date -d @"${listen_ms:0:-3}.${listen_ms: -3}" '+%T.%3N'))"
  echo "[step 3] ${STEP_NAME[3]} (listening again): one line every 100 ms until one reaches collector1"
  before=$(count_events 1)
  deadline=$(( $(now_ms) + 60000 ))
  while (( $(count_events 1) == before )) && (( $(now_ms) < deadline )); do
    append_one 3
    extra_lines=$((extra_lines + 1))
    sleep 0.1
  done
  first=$(first_event_after 1 "$c1_off")
  if [[ -n $first ]]; then
    FAILBACK_DELAY="$(( first - listen_ms )) ms"
    mark "first line printed by collector1 since its restart"
    echo "         first line reached collector1 after $extra_lines trickled line(s); appending $LINES_PER_STEP lines"
  else
    echo "  ! no line reached collector1 within 60 s" >&2
  fi
  append_step 3
  wait_all_delivered 15000
  # The penalty at work: k1 parked at the failover, first retried (reconnect attempt) how much later.
  local parked retried
  parked=$(grep -m1 'Sink k1 failed and has been sent to failover list' "$RUN_DIR/agent.log")
  retried=$(awk -v p="${parked:0:23}" 'substr($0, 1, 23) > p && /Rpc sink k1: Building RpcClient/ { print; exit }' "$RUN_DIR/agent.log")
  if [[ -n $parked && -n $retried ]]; then
    K1_RETRY="$(( $(line_ms "$retried") - $(line_ms "$parked") )) ms"
  fi

  # 4. both collectors killed
  STEP_NAME[4]="both collectors killed (kill -9)"
  mark "kill -9 collector1 and collector2"
  kill9_collector 1
  kill9_collector 2
  echo "[step 4] ${STEP_NAME[4]}: appending $LINES_PER_STEP lines, waiting 3 s"
  append_step 4
  sleep 3
  echo "         undelivered (held in the agent's channel): $(undelivered)"

  # 5. only collector2 restarted
  STEP_NAME[5]="only collector2 restarted"
  local c2_off5
  c2_off5=$(log_lines 2)
  mark "restarting collector2"
  start_collector 2 || return 1
  mark "collector2 listening"
  echo "[step 5] ${STEP_NAME[5]}: appending $LINES_PER_STEP lines"
  append_step 5
  wait_all_delivered 40000
  first=$(first_event_after 2 "$c2_off5")
  [[ -n $first ]] && RECOVERY_DELAY="$(( first - LISTEN_MS )) ms"

  if [[ $client == "$SEED_TAILDIR" ]]; then
    # 6. the agent stopped; lines appended and the log rotated by rename while it is down; the agent started again
    STEP_NAME[6]="agent restarted, log rotated"
    mark "stopping the agent"
    stop_proc agent TERM
    echo "[step 6] ${STEP_NAME[6]}: appending $LINES_PER_STEP lines with a rename in the middle, then starting the agent"
    append_step 6 $(( LINES_PER_STEP / 2 ))
    mv "$RUN_DIR/server.log" "$RUN_DIR/server.log.1"
    append_step 6 $(( LINES_PER_STEP / 2 ))
    start_proc agent "$RUN_DIR/agent.properties" "$RUN_DIR/agent.log"
    mark "agent started again"
    wait_all_delivered 30000
  fi

  stop_proc agent TERM
  stop_proc collector2 TERM
  return 0
}

print_table() { # label penalty-description
  echo
  echo "--- Results: $1 ($2) ---"
  printf '%-4s %-34s %8s %10s %10s %5s %10s\n' step what appended collector1 collector2 lost duplicated
  local report
  local steps=5
  [[ -n ${STEP_NAME[6]:-} ]] && steps=6
  report=$(awk -v steps="$steps" -v names="${STEP_NAME[1]}|${STEP_NAME[2]}|${STEP_NAME[3]}|${STEP_NAME[4]}|${STEP_NAME[5]}|${STEP_NAME[6]:-}" '
    BEGIN { split(names, nm, "|") }
    FILENAME == ARGV[1] { c1[$1]++; next }
    FILENAME == ARGV[2] { c2[$1]++; next }
    { step[$2] = $1; appended[$1]++ }
    END {
      for (b in c1) { s = step[b]; r1[s] += c1[b] }
      for (b in c2) { s = step[b]; r2[s] += c2[b] }
      for (b in step) {
        s = step[b]; n = c1[b] + c2[b]
        if (n == 0) lost[s]++
        else if (n > 1) dup[s] += n - 1
      }
      for (s = 1; s <= steps; s++) {
        printf "%-4s %-34s %8d %10d %10d %5d %10d\n", s, nm[s], appended[s], r1[s], r2[s], lost[s], dup[s]
        ta += appended[s]; t1 += r1[s]; t2 += r2[s]; tl += lost[s]; td += dup[s]
      }
      printf "%-4s %-34s %8d %10d %10d %5d %10d\n", "all", "", ta, t1, t2, tl, td
      printf "LOST %d\n", tl
    }' <(bodies 1) <(bodies 2) "$RUN_DIR/appended.txt")
  grep -v '^LOST ' <<<"$report"
  RUN_LOST=$(awk '/^LOST /{print $2}' <<<"$report")
  echo "failover gap   (kill -9 of collector1 -> first event printed by collector2):   $FAILOVER_GAP"
  echo "k1 first retry (k1 parked at the failover -> its first reconnect attempt):     $K1_RETRY"
  echo "failback delay (collector1 listening again -> first event printed by it):    $FAILBACK_DELAY"
  echo "step 5 delay   (collector2 listening again, both had been down -> first event): $RECOVERY_DELAY"
  print_timeline
  echo "logs: $RUN_DIR/{agent,collector1,collector2}.log  (lines appended: $RUN_DIR/appended.txt)"
}

status=0
SUMMARY=()
run_one() { # label penalty-description extra [client-file]
  if ! run_walkthrough "$1" "$3" "${4:-}"; then
    echo "failover-demo: run '$1' could not complete (see above)" >&2
    status=2
  fi
  cleanup
  print_table "$1" "$2"
  (( RUN_LOST > 0 )) && status=1
  SUMMARY+=("$(printf "%-17s failover gap %-8s k1 first retry %-8s failback delay %-8s step-5 delay %-8s lost %s" "$1" "$FAILOVER_GAP" "$K1_RETRY" "$FAILBACK_DELAY" "$RECOVERY_DELAY" "$RUN_LOST")")
}

run_one seed-as-is "maxpenalty unset: the seed's 'maxpenality' typo is ignored, cap 30000 ms" ""
run_one maxpenalty-1000 "a1.sinkgroups.g1.processor.maxpenalty = 1000 added" "a1.sinkgroups.g1.processor.maxpenalty = 1000"
run_one taildir "TAILDIR instead of exec tail -f, maxpenalty 1000, agent restarted" "" "$SEED_TAILDIR"

echo
echo "=== Summary ==="
printf '%s\n' "${SUMMARY[@]}"
echo "All logs: $WORK"
if (( status == 1 )); then
  echo "FAILED: lines were lost" >&2
elif (( status != 0 )); then
  echo "FAILED: a run did not complete" >&2
fi
exit "$status"
