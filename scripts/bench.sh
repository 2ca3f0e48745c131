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
#   scripts/bench.sh all              every case above, in that order.
#   scripts/bench.sh micro [bdn args] BenchmarkDotNet micro-benchmarks (benchmarks/FlumeNet.Benchmarks), short job.
#
# Every end-to-end case runs BENCH_RUNS times (default 5) and prints the median and the spread (min-max) of each
# figure. Throughput is timed from the agent's launch to the collector's null sink logging the last event. CPU is
# user+system time of each process (from /proc/PID/stat, start-up included) divided by the events; peak RSS is VmHWM.
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
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
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
  local kind="JIT (framework-dependent)"
  if [[ -f "${BIN%/*}/flume-ng.dll" ]]; then kind="JIT (framework-dependent, flume-ng.dll)"; else kind="native AOT"; fi
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

# wait_for FILE TEXT TIMEOUT_S PID [POLL_S]: polls until FILE contains TEXT; fails if PID died or time is up.
wait_for() {
  local file=$1 text=$2 timeout=$3 pid=$4 poll=${5:-0.05}
  local deadline=$(( $(date +%s) + timeout ))
  until grep -qF -- "$text" "$file" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "process $pid exited while waiting for '$text'; log $file:" >&2
      tail -n 30 "$file" >&2
      return 1
    fi
    if (( $(date +%s) >= deadline )); then
      echo "timed out after ${timeout}s waiting for '$text' in $file" >&2
      tail -n 30 "$file" >&2
      return 1
    fi
    sleep "$poll"
  done
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

report() {
  local key=$1 label=$2 fmt=$3
  printf "  %-34s %s\n" "$label" "$(awk -v k="$key" '$1 == k { print $2 }' "$WORK/results" | stats "$fmt")"
}

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

collector_conf() { # PORT SINK_LINES -> collector properties on stdout
  cat <<CONF
a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = avro
a1.sources.r1.bind = 127.0.0.1
a1.sources.r1.port = $1
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.channels.c1.capacity = 100000
a1.channels.c1.transactionCapacity = 1000
a1.sinks.k1.channel = c1
$2
CONF
}

agent_conf() { # PORT SOURCE_LINES -> agent properties on stdout
  cat <<CONF
a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.channels = c1
$2
a1.channels.c1.type = memory
a1.channels.c1.capacity = 100000
a1.channels.c1.transactionCapacity = 1000
a1.sinks.k1.type = avro
a1.sinks.k1.hostname = 127.0.0.1
a1.sinks.k1.port = $1
a1.sinks.k1.batch-size = 1000
a1.sinks.k1.channel = c1
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

# run_pipeline EVENTS SOURCE_LINES: one run of agent -> collector (null sink); records throughput, CPU, RSS.
run_pipeline() {
  local events=$1 source_lines=$2
  local port
  port=$(free_port)
  collector_conf "$port" "a1.sinks.k1.type = null
a1.sinks.k1.batchSize = 1000
a1.sinks.k1.logEveryNEvents = $events" >"$WORK/collector.properties"
  agent_conf "$port" "$source_lines" >"$WORK/agent.properties"

  start_agent "$WORK/collector.properties" "$WORK/collector.log"
  local collector=$STARTED_PID
  wait_for "$WORK/collector.log" "Avro source r1 started." 60 "$collector"
  local c0
  c0=$(cpu_s "$collector")

  local start end
  start=$(now_ns)
  start_agent "$WORK/agent.properties" "$WORK/agent.log"
  local agent=$STARTED_PID
  wait_for "$WORK/collector.log" "Null sink k1 successful processed $events events." "$TIMEOUT" "$collector" 0.02
  end=$(now_ns)

  local s ac cc ah ch asplit csplit actx cctx athreads
  s=$(awk -v ns=$(( end - start )) 'BEGIN { printf "%.3f", ns / 1e9 }')
  ac=$(cpu_s "$agent"); cc=$(cpu_s "$collector")
  ah=$(hwm_kb "$agent"); ch=$(hwm_kb "$collector")
  asplit=$(cpu_us_sys "$agent"); csplit=$(cpu_us_sys "$collector")
  actx=$(ctx_switches "$agent"); cctx=$(ctx_switches "$collector")
  athreads=$(top_threads "$agent")
  stop_pid "$agent"
  stop_pid "$collector"
  if grep -qE "\[(WARN|ERROR) " "$WORK/agent.log" "$WORK/collector.log"; then
    echo "  warnings/errors logged during the run:"
    grep -hE "\[(WARN|ERROR) " "$WORK/agent.log" "$WORK/collector.log" | head -n 5 | sed 's/^/    /'
  fi

  awk -v n="$events" -v s="$s" -v ac="$ac" -v cc="$cc" -v c0="$c0" -v ah="$ah" -v ch="$ch" 'BEGIN {
    printf "eps %.0f\nwall %.3f\nagent_us %.3f\ncollector_us %.3f\nagent_mb %.1f\ncollector_mb %.1f\n",
      n / s, s, ac * 1e6 / n, (cc - c0) * 1e6 / n, ah / 1024, ch / 1024 }' >>"$WORK/results"
  note "$(awk -v n="$events" -v s="$s" 'BEGIN { printf "%.0f ev/s", n / s }') in ${s}s; agent CPU ${ac}s (user/sys ${asplit/ /\/}, ctx vol/invol ${actx/ /\/}), collector CPU $(awk -v a="$cc" -v b="$c0" 'BEGIN { printf "%.2f", a - b }')s (user/sys ${csplit/ /\/}, ctx ${cctx/ /\/}); RSS ${ah}/${ch} kB; agent threads: ${athreads%, }"
}

pipeline_report() {
  report eps "throughput (events/s)" "%.0f"
  report wall "wall time (s)" "%.2f"
  report agent_us "agent CPU per event (us)" "%.3f"
  report collector_us "collector CPU per event (us)" "%.3f"
  report agent_mb "agent peak RSS (MiB)" "%.1f"
  report collector_mb "collector peak RSS (MiB)" "%.1f"
}

# ------------------------------------------------------------------------------------------------------------ cases

bench_avro() {
  local events=${1:-5000000}
  [[ "$events" =~ ^[1-9][0-9]*$ ]] || usage
  local input
  input=$(input_file "$events")
  run_case "exec cat, $events x $BODY_BYTES-byte lines -> memory -> avro -> collector (avro -> memory -> null)" \
    run_pipeline "$events" "a1.sources.r1.type = exec
a1.sources.r1.command = cat $input
a1.sources.r1.batchSize = 1000"
  pipeline_report
}

bench_exec1m() { bench_avro "${1:-1000000}"; }

bench_seq() {
  local events=${1:-5000000}
  [[ "$events" =~ ^[1-9][0-9]*$ ]] || usage
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
  agent_conf "$port" "a1.sources.r1.type = seq
a1.sources.r1.totalEvents = 1" >"$WORK/agent.properties"
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

# --------------------------------------------------------------------------------------------------------- dispatch

case_name=${1:-}
[[ -n "$case_name" ]] || usage
shift
case "$case_name" in
  micro) bench_micro "$@"; exit ;;
  avro | seq | exec1m | first | idle | all) ;;
  *) usage ;;
esac
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_RUNS must be a positive integer" >&2; exit 2; }
setup
: >"$WORK/notes"
machine
"bench_$case_name" "$@"
