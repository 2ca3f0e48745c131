#!/usr/bin/env bash
# FlumeNet benchmarks: end-to-end runs of the published flume-ng (two processes on loopback) and micro-benchmarks.
#
#   scripts/bench.sh avro   [events]  exec `cat` of N 100-byte lines -> memory 100000/1000 -> avro sink (batch 1000)
#                                     -> collector: avro source 127.0.0.1 -> memory -> null sink. N = 5,000,000.
#   scripts/bench.sh seq    [events]  the same pipeline with a seq source (batchSize 1000). N = 5,000,000.
#   scripts/bench.sh exec1m [events]  the avro case with N = 1,000,000: start-up weighs in.
#   scripts/bench.sh first            agent launch -> the collector's logger sink printing the event
#                                     (seq, totalEvents = 1 -> avro sink -> avro source -> logger sink).
#   scripts/bench.sh idle             RSS of a collector with the seed server config (conf/flume-failover-server.properties,
#                                     bound to 127.0.0.1) after it started and settled.
#   scripts/bench.sh all              avro, seq, exec1m, first and idle, in that order.
#   scripts/bench.sh filechannel [events]
#                                     the avro case with a memory channel and with a file channel (checkpointDir and
#                                     dataDirs in the work directory) side by side, N = 1,000,000, and the ratio
#                                     file/memory of the medians. Then FC_QUEUED events (5,000,000; 0 skips it) are put
#                                     into a file channel whose sink has no peer, and the agent's RSS is read with all of
#                                     them on disk. FC_TYPES="file" runs one kind only; FC_PROPS="key = value" lines
#                                     are added to the file channel's properties.
#   scripts/bench.sh taildir [events] TAILDIR over one file of N 100-byte lines -> memory (capacity TAILDIR_CAPACITY,
#                                     10,000) -> avro sink -> collector (avro -> memory -> null). N = 5,000,000.
#   scripts/bench.sh kafka [events]   exec `cat` of N 100-byte lines -> memory -> Kafka sink (acks=1, flumeBatchSize
#                                     1000) -> librdkafka's mock cluster in a helper process (scripts/kafka-mock-cluster.py,
#                                     Debian's librdkafka from kcat), done when the topic's high watermarks add up to N.
#                                     N = 1,000,000. Measures FlumeNet's sink path, not a Kafka cluster.
#   scripts/bench.sh micro [bdn args] BenchmarkDotNet micro-benchmarks (benchmarks/FlumeNet.Benchmarks), short job.
#
# Every end-to-end case runs BENCH_RUNS times (default 5) and prints the median and the spread (min-max) of each
# figure. Throughput is timed from the agent's launch to the last event arriving (the collector's null sink logging
# it, or the mock cluster storing it). CPU is user+system time of each process (from /proc/PID/stat; the agent's
# includes its start-up, the peer's does not) divided by the events; peak RSS is VmHWM.
# Wall-clock figures depend on what else runs on the machine; CPU per event and RSS much less so.
#
# Environment: BENCH_RUNS (5), BENCH_TIMEOUT (seconds per run, 600), FLUMENET_BIN (a flume-ng to measure instead of
# publishing src/FlumeNet.Agent into artifacts/bench-bin), BENCH_KEEP=1 (keep the work directory with the last run's
# logs and configurations). Loopback only.
#
# Adding a case: write bench_<name>() that calls run_case with a function doing one run (see run_pipeline) and add
# it to the dispatch at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BODY_BYTES=100
RUNS=${BENCH_RUNS:-5}
TIMEOUT=${BENCH_TIMEOUT:-600}
TICKS=$(getconf CLK_TCK)
WORK=""
BIN=""
PIDS=()

usage() {
  # The comment block at the top of this file, from its second line to the first line that is not a comment.
  awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2
  exit 2
}

# ---------------------------------------------------------------------------------------------------- shared helpers

now_ns() { date +%s%N; }

cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do
    [[ -n "$p" ]] && stop_pid "$p"
  done
  if [[ -n "$WORK" ]]; then
    if [[ -n "${BENCH_KEEP:-}" ]]; then echo "logs kept in $WORK"; else rm -rf "$WORK"; fi
  fi
  return 0
}

ensure_native_toolchain() {
  # Native AOT links with clang against zlib; Debian packages them.
  if command -v clang >/dev/null 2>&1 && [[ -e /usr/include/zlib.h ]]; then
    return 0
  fi

  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing clang and zlib1g-dev (the native AOT linker and zlib headers)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang zlib1g-dev) >/dev/null 2>&1 \
      || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y clang zlib1g-dev; }
  else
    echo "warning: clang/zlib1g-dev missing and cannot be installed here; the native publish will fail" >&2
  fi
}

setup() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/flumenet-bench.XXXXXX")
  trap cleanup EXIT
  if [[ -n "${FLUMENET_BIN:-}" ]]; then
    BIN=$FLUMENET_BIN
  else
    ensure_native_toolchain
    local bin_dir="$ROOT/artifacts/bench-bin"
    echo "publishing Release flume-ng to $bin_dir ..."
    rm -rf "$bin_dir" # a JIT build left there would be measured instead
    dotnet publish "$ROOT/src/FlumeNet.Agent" -c Release -o "$bin_dir" --nologo -v q >"$WORK/publish.log" 2>&1 \
      || { cat "$WORK/publish.log" >&2; exit 1; }
    BIN="$bin_dir/flume-ng"
  fi
  [[ -x "$BIN" ]] || { echo "no executable flume-ng at $BIN" >&2; exit 1; }
}

machine() {
  # A JIT build's flume-ng is the .NET host, which loads libhostfxr; a native one never names it. A stale flume-ng.dll
  # beside a native executable says nothing about which one runs.
  local kind="native AOT"
  if grep -q libhostfxr "$BIN"; then kind="JIT (framework-dependent)"; fi
  echo "machine:   $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "runtime:   .NET SDK $(dotnet --version 2>/dev/null || echo '?'); binary $BIN ($kind, $(du -h "$BIN" | cut -f1))"
  echo "commit:    $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (with local changes)')"
  echo "runs:      $RUNS per case (median [min-max])"
}

# A TCP port on 127.0.0.1 that nothing accepts on right now.
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}

# wait_until TIMEOUT_S PIDS POLL_S LOGS WHAT COMMAND...: polls until COMMAND succeeds; fails, showing the end of each
# of LOGS (space-separated), if one of PIDS (space-separated) died or time is up.
wait_until() {
  local timeout=$1 pids=$2 poll=$3 logs=$4 what=$5
  shift 5
  local deadline=$(( $(date +%s) + timeout )) pid log failure=""
  until "$@"; do
    for pid in $pids; do
      kill -0 "$pid" 2>/dev/null || failure="process $pid exited while waiting for $what"
    done
    (( $(date +%s) < deadline )) || failure="timed out after ${timeout}s waiting for $what"
    if [[ -n "$failure" ]]; then
      echo "$failure" >&2
      for log in $logs; do
        echo "--- $log:" >&2
        tail -n 30 "$log" >&2
      done
      return 1
    fi
    sleep "$poll"
  done
}

# wait_for FILE TEXT TIMEOUT_S PID [POLL_S]: polls until FILE contains TEXT; fails if PID died or time is up.
wait_for() {
  wait_until "$3" "$4" "${5:-0.05}" "$1" "'$2' in $1" grep -sqF -- "$2" "$1"
}

hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# user+system CPU seconds of a live process (fields 14 and 15 of /proc/PID/stat).
cpu_s() { awk -v t="$TICKS" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / t }' "/proc/$1/stat"; }

# user and system seconds separately: "user sys".
cpu_us_sys() { awk -v t="$TICKS" '{ sub(/^.*\) /, ""); printf "%.2f %.2f", $12 / t, $13 / t }' "/proc/$1/stat"; }

# Voluntary and involuntary context switches summed over a live process's threads: "vol invol".
ctx_switches() {
  cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ { v += $2 } /^nonvoluntary_ctxt_switches/ { n += $2 } END { printf "%d %d", v, n }'
}

# The busiest threads of a live process: "name cpu_s" for the top 3 (Linux cuts thread names to 15 chars).
top_threads() {
  for stat in /proc/"$1"/task/*/stat; do
    awk -v t="$TICKS" '{ n = $0; sub(/^[^(]*\(/, "", n); sub(/\) .*$/, "", n); r = $0; sub(/^.*\) /, "", r); split(r, f, " ");
      printf "%.2f\t%s\n", (f[12] + f[13]) / t, n }' "$stat" 2>/dev/null || true
  done | sort -rn | head -n 3 | awk -F'\t' '{ printf "%s %.2fs, ", $2, $1 }'
}

stop_pid() {
  local pid=$1
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# start_agent CONF LOG: starts flume-ng in the background; sets STARTED_PID.
start_agent() {
  "$BIN" agent --conf-file "$1" --name a1 --no-reload-conf -Dflume.root.logger=INFO,console >"$2" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

# Summary of one column of numbers (one per line on stdin): "median [min-max]" with the given printf format.
stats() {
  local fmt=$1
  sort -g | awk -v f="$fmt" '{ v[NR] = $1 } END {
    if (NR == 0) { print "-"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf f " [" f "-" f "]\n", m, v[1], v[NR] }'
}

# Each run appends "key value" lines to $WORK/results; report KEY LABEL FORMAT prints the summary of one key.
record() { echo "$1 $2" >>"$WORK/results"; }

values() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/results"; } # KEY -> the recorded values, one a line

report() {
  local key=$1 label=$2 fmt=$3
  printf "  %-34s %s\n" "$label" "$(values "$key" | stats "$fmt")"
}

median() { values "$1" | stats "%.3f" | cut -d' ' -f1; } # KEY -> the median of the recorded values

# run_case TITLE FUNCTION ARGS...: runs FUNCTION ARGS RUNS times (each run records its figures), shows progress.
run_case() {
  local title=$1
  shift
  : >"$WORK/results"
  echo
  echo "== $title"
  local i
  for i in $(seq 1 "$RUNS"); do
    "$@"
    echo "  run $i/$RUNS: $(tail -n 1 "$WORK/notes")"
  done
}

note() { echo "$*" >>"$WORK/notes"; }


# Properties of one agent named a1 with source r1 -> channel c1 -> sink k1 on stdout; each argument is the lines of one
# component (type and settings). The channel is a memory channel of 100000 events unless CHANNEL_LINES is given.
MEMORY_CHANNEL="a1.channels.c1.type = memory
a1.channels.c1.capacity = 100000"

agent_conf() { # SOURCE_LINES SINK_LINES [CHANNEL_LINES]
  cat <<CONF
a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.channels = c1
$1
${3:-$MEMORY_CHANNEL}
a1.channels.c1.transactionCapacity = 1000
a1.sinks.k1.channel = c1
$2
CONF
}

collector_conf() { # PORT SINK_LINES -> collector properties: avro source on 127.0.0.1:PORT -> memory -> the sink
  agent_conf "a1.sources.r1.type = avro
a1.sources.r1.bind = 127.0.0.1
a1.sources.r1.port = $1" "$2"
}

avro_sink() { # PORT -> an avro sink to 127.0.0.1:PORT, batch 1000
  cat <<CONF
a1.sinks.k1.type = avro
a1.sinks.k1.hostname = 127.0.0.1
a1.sinks.k1.port = $1
a1.sinks.k1.batch-size = 1000
CONF
}

exec_source() { # FILE -> an exec source running `cat FILE`, batch 1000
  cat <<CONF
a1.sources.r1.type = exec
a1.sources.r1.command = cat $1
a1.sources.r1.batchSize = 1000
CONF
}

input_file() { # EVENTS -> path of a file of EVENTS lines of BODY_BYTES bytes (made once per invocation)
  local f="$WORK/input-$1.txt"
  if [[ ! -f "$f" ]]; then
    local line
    line=$(printf "%0${BODY_BYTES}d" 0)
    # yes ends on SIGPIPE when head has enough; that is not a failure.
    { yes "$line" || true; } | head -n "$1" >"$f"
  fi
  echo "$f"
}

show_warnings() { # LOG...: the first WARN/ERROR lines of the logs, if any
  if grep -qsE "\[(WARN|ERROR) " "$@"; then
    echo "  warnings/errors logged during the run:"
    grep -hsE "\[(WARN|ERROR) " "$@" | head -n 5 | sed 's/^/    /'
  fi
}

# measure_run EVENTS PEER_PID PEER_LOG POLL_S DONE_COMMAND...: launches the agent of $WORK/agent.properties, polls
# every POLL_S until DONE_COMMAND succeeds (every event arrived at the peer), then records throughput, CPU per event and peak RSS of the
# agent and of the peer (whose CPU counts from the agent's launch), stops both and notes the run.
measure_run() {
  local events=$1 peer=$2 peer_log=$3 poll=$4
  shift 4
  local p0
  p0=$(cpu_s "$peer")

  local start end
  start=$(now_ns)
  start_agent "$WORK/agent.properties" "$WORK/agent.log"
  local agent=$STARTED_PID
  wait_until "$TIMEOUT" "$agent $peer" "$poll" "$WORK/agent.log $peer_log" "all $events events at the peer" "$@"
  end=$(now_ns)

  local s ac pc ah ph asplit psplit actx pctx athreads
  s=$(awk -v ns=$(( end - start )) 'BEGIN { printf "%.3f", ns / 1e9 }')
  ac=$(cpu_s "$agent"); pc=$(cpu_s "$peer")
  ah=$(hwm_kb "$agent"); ph=$(hwm_kb "$peer")
  asplit=$(cpu_us_sys "$agent"); psplit=$(cpu_us_sys "$peer")
  actx=$(ctx_switches "$agent"); pctx=$(ctx_switches "$peer")
  athreads=$(top_threads "$agent")
  stop_pid "$agent"
  stop_pid "$peer"
  show_warnings "$WORK/agent.log" "$peer_log"

  awk -v n="$events" -v s="$s" -v ac="$ac" -v pc="$pc" -v p0="$p0" -v ah="$ah" -v ph="$ph" 'BEGIN {
    printf "eps %.0f\nwall %.3f\nagent_us %.3f\npeer_us %.3f\nagent_mb %.1f\npeer_mb %.1f\n",
      n / s, s, ac * 1e6 / n, (pc - p0) * 1e6 / n, ah / 1024, ph / 1024 }' >>"$WORK/results"
  note "$(awk -v n="$events" -v s="$s" 'BEGIN { printf "%.0f ev/s", n / s }') in ${s}s; agent CPU ${ac}s (user/sys ${asplit/ /\/}, ctx vol/invol ${actx/ /\/}), peer CPU $(awk -v a="$pc" -v b="$p0" 'BEGIN { printf "%.2f", a - b }')s (user/sys ${psplit/ /\/}, ctx ${pctx/ /\/}); RSS ${ah}/${ph} kB; agent threads: ${athreads%, }"
}

null_sink_done() { grep -qF "Null sink k1 successful processed $1 events." "$WORK/collector.log"; } # EVENTS

# run_pipeline EVENTS SOURCE_LINES [CHANNEL_LINES]: one run of agent (source -> channel -> avro sink) -> collector
# (avro -> memory -> null sink); records throughput, CPU, RSS.
run_pipeline() {
  local events=$1 source_lines=$2 channel_lines=${3:-}
  local port
  port=$(free_port)
  collector_conf "$port" "a1.sinks.k1.type = null
a1.sinks.k1.batchSize = 1000
a1.sinks.k1.logEveryNEvents = $events" >"$WORK/collector.properties"
  agent_conf "$source_lines" "$(avro_sink "$port")" "$channel_lines" >"$WORK/agent.properties"

  start_agent "$WORK/collector.properties" "$WORK/collector.log"
  local collector=$STARTED_PID
  wait_for "$WORK/collector.log" "Avro source r1 started." 60 "$collector"
  measure_run "$events" "$collector" "$WORK/collector.log" 0.02 null_sink_done "$events"
}

pipeline_report() { # [PEER]: the peer's name in the labels (collector)
  local peer=${1:-collector}
  report eps "throughput (events/s)" "%.0f"
  report wall "wall time (s)" "%.2f"
  report agent_us "agent CPU per event (us)" "%.3f"
  report peer_us "$peer CPU per event (us)" "%.3f"
  report agent_mb "agent peak RSS (MiB)" "%.1f"
  report peer_mb "$peer peak RSS (MiB)" "%.1f"
}

events_arg() { # ARG DEFAULT -> the number of events (a positive integer) or the usage
  local n=${1:-$2}
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || usage
  echo "$n"
}

# ------------------------------------------------------------------------------------------------------------ cases

bench_avro() {
  local events input
  events=$(events_arg "${1:-}" 5000000)
  input=$(input_file "$events")
  run_case "exec cat, $events x $BODY_BYTES-byte lines -> memory -> avro -> collector (avro -> memory -> null)" \
    run_pipeline "$events" "$(exec_source "$input")"
  pipeline_report
}

bench_exec1m() { bench_avro "${1:-1000000}"; }

bench_seq() {
  local events
  events=$(events_arg "${1:-}" 5000000)
  run_case "seq, $events events -> memory -> avro -> collector (avro -> memory -> null)" \
    run_pipeline "$events" "a1.sources.r1.type = seq
a1.sources.r1.totalEvents = $events
a1.sources.r1.batchSize = 1000"
  pipeline_report
}

run_first() {
  local port
  port=$(free_port)
  collector_conf "$port" "a1.sinks.k1.type = logger" >"$WORK/collector.properties"
  agent_conf "a1.sources.r1.type = seq
a1.sources.r1.totalEvents = 1" "$(avro_sink "$port")" >"$WORK/agent.properties"
  start_agent "$WORK/collector.properties" "$WORK/collector.log"
  local collector=$STARTED_PID
  wait_for "$WORK/collector.log" "Avro source r1 started." 60 "$collector"
  local start end
  start=$(now_ns)
  start_agent "$WORK/agent.properties" "$WORK/agent.log"
  local agent=$STARTED_PID
  wait_for "$WORK/collector.log" "Event: { headers:{} body:" 60 "$collector" 0.002
  end=$(now_ns)
  local ah acpu
  ah=$(hwm_kb "$agent")
  acpu=$(awk -v c="$(cpu_s "$agent")" 'BEGIN { printf "%.0f", c * 1000 }')
  stop_pid "$agent"
  stop_pid "$collector"
  local ms
  ms=$(awk -v ns=$(( end - start )) 'BEGIN { printf "%.1f", ns / 1e6 }')
  record first_ms "$ms"
  record agent_cpu_ms "$acpu"
  record agent_mb "$(awk -v k="$ah" 'BEGIN { printf "%.1f", k / 1024 }')"
  note "launch -> first event printed: ${ms} ms (poll every 2 ms); agent CPU until then ${acpu} ms; agent peak RSS ${ah} kB"
}

bench_first() {
  run_case "first event: agent launch (seq 1 event -> avro) -> collector's logger sink prints it" run_first
  report first_ms "launch to first event (ms)" "%.0f"
  report agent_cpu_ms "agent CPU until then (ms)" "%.0f"
  report agent_mb "agent peak RSS (MiB)" "%.1f"
}

run_idle() {
  local port
  port=$(free_port)
  sed -e "s/^a1.sources.r1.bind = .*/a1.sources.r1.bind = 127.0.0.1/" -e "s/^a1.sources.r1.port = .*/a1.sources.r1.port = $port/" \
    "$ROOT/conf/flume-failover-server.properties" >"$WORK/idle.properties"
  start_agent "$WORK/idle.properties" "$WORK/idle.log"
  local pid=$STARTED_PID
  wait_for "$WORK/idle.log" "Avro source r1 started." 60 "$pid"
  sleep 2
  local rss hwm
  rss=$(rss_kb "$pid"); hwm=$(hwm_kb "$pid")
  stop_pid "$pid"
  record idle_mb "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
  record idle_hwm "$(awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }')"
  note "RSS ${rss} kB 2 s after start (peak ${hwm} kB)"
}

bench_idle() {
  run_case "idle: seed server config (avro source -> memory -> logger), RSS 2 s after 'started'" run_idle
  report idle_mb "idle RSS (MiB)" "%.1f"
  report idle_hwm "peak RSS until then (MiB)" "%.1f"
}

bench_all() {
  bench_avro
  bench_seq
  bench_exec1m
  bench_first
  bench_idle
}

bench_micro() {
  local args=("$@")
  if (( ${#args[@]} == 0 )); then
    args=(--filter '*' --job short --memory)
  fi
  dotnet run -c Release --project "$ROOT/benchmarks/FlumeNet.Benchmarks" -- \
    --artifacts "$ROOT/artifacts/benchmarks" "${args[@]}"
}

# --- filechannel: memory vs file channel on the avro pipeline, then RSS with a large backlog on disk ---------------

channel_lines() { # TYPE -> a memory channel, or a file channel in $WORK/fc (plus the FC_PROPS lines)
  if [[ "$1" == file ]]; then
    cat <<CONF
a1.channels.c1.type = file
a1.channels.c1.checkpointDir = $WORK/fc/checkpoint
a1.channels.c1.dataDirs = $WORK/fc/data
a1.channels.c1.capacity = 10000000
a1.channels.c1.minimumRequiredSpace = 1048576
CONF
    if [[ -n "${FC_PROPS:-}" ]]; then printf '%s\n' "$FC_PROPS" | sed 's/^/a1.channels.c1./'; fi
  else
    echo "$MEMORY_CHANNEL"
  fi
}

run_channel() { # TYPE EVENTS INPUT: one avro pipeline run with a fresh channel of TYPE
  rm -rf "$WORK/fc"
  run_pipeline "$2" "$(exec_source "$3")" "$(channel_lines "$1")"
}

# QUEUED events into a file channel whose avro sink has no peer; the agent's RSS once the exec source has put them all,
# then the replay time of a restart on that backlog.
file_channel_backlog() {
  local queued=$1 input
  input=$(input_file "$queued")
  echo
  echo "== $queued x $BODY_BYTES-byte events queued in a file channel (exec cat -> file -> avro sink with no peer)"
  rm -rf "$WORK/fc"
  agent_conf "$(exec_source "$input")" "$(avro_sink "$(free_port)")" "$(channel_lines file)" >"$WORK/agent.properties"
  start_agent "$WORK/agent.properties" "$WORK/agent.log"
  local agent=$STARTED_PID
  wait_for "$WORK/agent.log" "exited with 0" "$TIMEOUT" "$agent"
  sleep 2 # the last batch's commit and the checkpoint settle
  local rss hwm disk
  rss=$(rss_kb "$agent"); hwm=$(hwm_kb "$agent")
  disk=$(du -sm "$WORK/fc/data" | cut -f1)
  stop_pid "$agent"
  printf "  %-34s %s\n" "data files (MB)" "$disk"
  printf "  %-34s %.1f\n" "agent RSS, all queued (MiB)" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
  printf "  %-34s %.1f\n" "agent peak RSS (MiB)" "$(awk -v k="$hwm" 'BEGIN { print k / 1024 }')"

  local start end
  start=$(now_ns)
  start_agent "$WORK/agent.properties" "$WORK/agent-replay.log"
  agent=$STARTED_PID
  wait_for "$WORK/agent-replay.log" "Queue Size after replay" "$TIMEOUT" "$agent"
  end=$(now_ns)
  stop_pid "$agent"
  printf "  %-34s %d (%s)\n" "restart to replayed (ms)" $(( (end - start) / 1000000 )) \
    "$(grep -o 'Queue Size after replay.*' "$WORK/agent-replay.log" | head -n 1)"
}

bench_filechannel() {
  local events input type queued=${FC_QUEUED:-5000000}
  events=$(events_arg "${1:-}" 1000000)
  [[ "$queued" =~ ^[0-9]+$ ]] || { echo "FC_QUEUED must be a number of events" >&2; exit 2; }
  input=$(input_file "$events")
  local -A medians=()
  for type in ${FC_TYPES:-memory file}; do
    run_case "exec cat, $events x $BODY_BYTES-byte lines -> $type channel -> avro -> collector (avro -> memory -> null)" \
      run_channel "$type" "$events" "$input"
    pipeline_report
    medians[$type]=$(median eps)
  done
  if [[ -n "${medians[memory]:-}" && -n "${medians[file]:-}" ]]; then
    printf "  %-34s %.2f\n" "file / memory (median events/s)" "$(awk -v f="${medians[file]}" -v m="${medians[memory]}" 'BEGIN { print f / m }')"
  fi
  if (( queued > 0 )); then file_channel_backlog "$queued"; fi
}

# --- taildir: TAILDIR over one file -> avro pipeline ---------------------------------------------------------------

run_taildir() { # EVENTS FILE: one run reading FILE from its start (an empty position file)
  local events=$1 file=$2 name=${2##*/}
  echo "[]" >"$WORK/taildir_position.json"
  run_pipeline "$events" "a1.sources.r1.type = TAILDIR
a1.sources.r1.filegroups = f1
a1.sources.r1.filegroups.f1 = ${file%/*}/${name//./\\.}
a1.sources.r1.positionFile = $WORK/taildir_position.json
a1.sources.r1.batchSize = 1000" "a1.channels.c1.type = memory
a1.channels.c1.capacity = ${TAILDIR_CAPACITY:-10000}"
}

bench_taildir() {
  local events input
  events=$(events_arg "${1:-}" 5000000)
  input=$(input_file "$events")
  run_case "TAILDIR, one file of $events x $BODY_BYTES-byte lines -> memory (${TAILDIR_CAPACITY:-10000}) -> avro -> collector (avro -> memory -> null)" \
    run_taildir "$events" "$input"
  pipeline_report
}

# --- kafka: exec -> memory -> Kafka sink -> librdkafka's mock cluster ------------------------------------------------

KAFKA_TOPIC=bench
KAFKA_PARTITIONS=3

kafka_stored() { # SERVERS EVENTS: succeeds once the topic's high watermarks (kcat -Q) add up to EVENTS
  local args=() p
  for (( p = 0; p < KAFKA_PARTITIONS; p++ )); do args+=(-t "$KAFKA_TOPIC:$p:-1"); done
  kcat -Q -b "$1" "${args[@]}" 2>/dev/null | awk -v n="$2" '{ s += $NF } END { exit !(s >= n) }'
}

run_kafka() { # EVENTS INPUT: one run against a fresh mock cluster
  local events=$1 input=$2
  [[ -p "$WORK/mock.stdin" ]] || mkfifo "$WORK/mock.stdin"
  # Opened read-write, the fifo never reaches end of file: the cluster runs until stop_pid's SIGTERM.
  "$ROOT/scripts/kafka-mock-cluster.py" 1 "$KAFKA_TOPIC:$KAFKA_PARTITIONS" <>"$WORK/mock.stdin" >"$WORK/mock.out" 2>"$WORK/mock.log" &
  local mock=$!
  PIDS+=("$mock")
  wait_for "$WORK/mock.out" "127.0.0.1:" 30 "$mock"
  local servers
  servers=$(head -n 1 "$WORK/mock.out")
  agent_conf "$(exec_source "$input")" "a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink
a1.sinks.k1.kafka.bootstrap.servers = $servers
a1.sinks.k1.kafka.topic = $KAFKA_TOPIC
a1.sinks.k1.flumeBatchSize = 1000" >"$WORK/agent.properties"
  # Each poll is a kcat process querying the cluster: every 0.1 s keeps that load small.
  measure_run "$events" "$mock" "$WORK/mock.log" 0.1 kafka_stored "$servers" "$events"
}

bench_kafka() {
  local events input
  events=$(events_arg "${1:-}" 1000000)
  command -v kcat >/dev/null 2>&1 || { echo "kcat is required (apt-get install kcat)" >&2; exit 1; }
  input=$(input_file "$events")
  run_case "exec cat, $events x $BODY_BYTES-byte lines -> memory -> Kafka sink (acks=1) -> mock cluster ($KAFKA_PARTITIONS partitions)" \
    run_kafka "$events" "$input"
  pipeline_report "mock cluster"
}

# --------------------------------------------------------------------------------------------------------- dispatch

case_name=${1:-}
[[ -n "$case_name" ]] || usage
shift
case "$case_name" in
  micro) bench_micro "$@"; exit ;;
  avro | seq | exec1m | first | idle | all | filechannel | taildir | kafka) ;;
  *) usage ;;
esac
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_RUNS must be a positive integer" >&2; exit 2; }
setup
: >"$WORK/notes"
machine
"bench_$case_name" "$@"
