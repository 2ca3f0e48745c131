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
#   scripts/bench.sh filechannel [events] [runs] [queued]  (FC_TYPES="file" runs one kind only; FC_PROPS="key = value" lines are added to the file channel)
#                                    the avro pipeline above with a memory channel and with a file channel, side by
#                                    side, RUNS times each (default N = 1,000,000, RUNS = 3; 0 skips them): median events/s with
#                                    min-max, agent CPU per event, peak RSS. Then QUEUED events (default 5,000,000,
#                                    0 = skip) are put into a file channel with no reachable sink, and the agent's RSS
#                                    is read with them all on disk.
#   scripts/bench.sh taildir [events] [runs]
#                                    end to end: agent (TAILDIR over one file of N 100-byte lines -> memory -> avro
#                                    sink) -> collector (avro -> memory -> null), memory channels of TAILDIR_CAPACITY
#                                    events (default 10,000). Default N = 5,000,000, 3 runs; prints
#                                    each run, the median and spread of events/s, and agent CPU per event
#                                    (BENCH_THREADS=1 also prints the busiest threads of each run).
#   scripts/bench.sh kafka [events]  agent (exec `cat` of N 100-byte lines -> memory -> Kafka sink, acks=1) -> librdkafka's
#                                    mock cluster in a helper process (scripts/kafka-mock-cluster.py, Debian's librdkafka
#                                    from kcat). Default N = 1,000,000. Measures FlumeNet's sink path, not a Kafka cluster.
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
  sed -n '2,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
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

# ----------------------------------------------------------------- file channel, TAILDIR and Kafka cases

# --- filechannel: memory vs file channel on the avro pipeline, then RSS with a large backlog on disk ---------------
fc_agent_conf() { # fc_agent_conf FILE CHANNEL_TYPE INPUT PORT DIR
  local file=$1 type=$2 input=$3 port=$4 dir=$5
  {
    echo "a1.sources = r1"
    echo "a1.channels = c1"
    echo "a1.sinks = k1"
    echo "a1.sources.r1.type = exec"
    echo "a1.sources.r1.command = cat $input"
    echo "a1.sources.r1.batchSize = 1000"
    echo "a1.sources.r1.channels = c1"
    echo "a1.channels.c1.type = $type"
    if [[ "$type" == file ]]; then
      echo "a1.channels.c1.checkpointDir = $dir/checkpoint"
      echo "a1.channels.c1.dataDirs = $dir/data"
      echo "a1.channels.c1.capacity = 10000000"
      echo "a1.channels.c1.minimumRequiredSpace = 1048576"
      [[ -n "${FC_PROPS:-}" ]] && printf '%s\n' "$FC_PROPS" | sed 's/^/a1.channels.c1./'
    else
      echo "a1.channels.c1.capacity = 100000"
    fi
    echo "a1.channels.c1.transactionCapacity = 1000"
    echo "a1.sinks.k1.type = avro"
    echo "a1.sinks.k1.hostname = 127.0.0.1"
    echo "a1.sinks.k1.port = $port"
    echo "a1.sinks.k1.batch-size = 1000"
    echo "a1.sinks.k1.channel = c1"
  } >"$file"
}

# median / min / max of the numbers on stdin
fc_stats() { sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.0f %.0f %.0f\n", m, v[1], v[NR] }'; }

bench_filechannel() {
  local events=${1:-1000000} runs=${2:-3} queued=${3:-5000000}
  [[ "$events" =~ ^[1-9][0-9]*$ && "$runs" =~ ^[0-9]+$ && "$queued" =~ ^[0-9]+$ ]] || usage
  local timeout=${BENCH_TIMEOUT:-600}
  local bin_dir="$ROOT/artifacts/bench-bin"
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/flumenet-bench.XXXXXX")
  local work=$WORK
  COLLECTOR_PID=""
  AGENT_PID=""
  trap 'stop_pid "${AGENT_PID:-}" 2>/dev/null || true; stop_pid "${COLLECTOR_PID:-}" 2>/dev/null || true; rm -rf "${WORK:-}"' EXIT

  echo "publishing Release flume-ng to $bin_dir ..."
  dotnet publish "$ROOT/src/FlumeNet.Agent" -c Release -o "$bin_dir" --nologo -v q >"$work/publish.log" 2>&1 \
    || { cat "$work/publish.log" >&2; exit 1; }
  local bin="$bin_dir/flume-ng"
  local line
  line=$(printf "%0${BODY_BYTES}d" 0)
  { yes "$line" || true; } | head -n "$events" >"$work/input.txt"

  local type run port start end results=()
  local types=${FC_TYPES:-memory file}
  (( runs > 0 )) || types=""
  for type in $types; do
    : >"$work/$type.results"
    for run in $(seq 1 "$runs"); do
      port=$(free_port)
      cat >"$work/collector.properties" <<CONF
a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = avro
a1.sources.r1.bind = 127.0.0.1
a1.sources.r1.port = $port
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.channels.c1.capacity = 100000
a1.channels.c1.transactionCapacity = 1000
a1.sinks.k1.type = null
a1.sinks.k1.batchSize = 1000
a1.sinks.k1.logEveryNEvents = $events
a1.sinks.k1.channel = c1
CONF
      rm -rf "$work/fc"
      fc_agent_conf "$work/agent.properties" "$type" "$work/input.txt" "$port" "$work/fc"
      "$bin" agent --conf-file "$work/collector.properties" --name a1 --no-reload-conf -Dflume.root.logger=INFO,console \
        >"$work/collector.log" 2>&1 &
      COLLECTOR_PID=$!
      wait_for "$work/collector.log" "Avro source r1 started." 60 "$COLLECTOR_PID"
      start=$(now_ns)
      "$bin" agent --conf-file "$work/agent.properties" --name a1 --no-reload-conf -Dflume.root.logger=INFO,console \
        >"$work/agent.log" 2>&1 &
      AGENT_PID=$!
      wait_for "$work/collector.log" "Null sink k1 successful processed $events events." "$timeout" "$COLLECTOR_PID"
      end=$(now_ns)
      # events/s  agent-cpu-us-per-event  agent-peak-rss-MiB
      awk -v n="$events" -v ns=$(( end - start )) -v c="$(cpu_s "$AGENT_PID")" -v h="$(hwm_kb "$AGENT_PID")" \
        'BEGIN { printf "%.0f %.3f %.1f\n", n / (ns / 1e9), c * 1e6 / n, h / 1024 }' >>"$work/$type.results"
      if grep -qE "\[(WARN|ERROR) " "$work/agent.log"; then
        echo "  ($type run $run) warnings/errors:"; grep -hE "\[(WARN|ERROR) " "$work/agent.log" | head -n 5
      fi
      stop_pid "$AGENT_PID"
      stop_pid "$COLLECTOR_PID"
      echo "  $type run $run: $(tail -n 1 "$work/$type.results" | awk '{ printf "%d events/s, %.2f us agent CPU/event, peak RSS %.1f MiB", $1, $2, $3 }')"
    done
  done

  local loadavg
  loadavg=$(cut -d' ' -f1-3 /proc/loadavg)
  [[ -n "$types" ]] && echo "exec cat $events x $BODY_BYTES B -> <channel> -> avro sink (batch 1000) -> collector -> null; $runs runs each; load average now $loadavg on $(nproc) cores"
  local mem_med=0 file_med=0
  for type in $types; do
    read -r med lo hi < <(cut -d' ' -f1 "$work/$type.results" | fc_stats)
    read -r cmed _ _ < <(cut -d' ' -f2 "$work/$type.results" | awk '{ printf "%d\n", $1 * 1000 }' | fc_stats)
    read -r rmed _ rhi < <(cut -d' ' -f3 "$work/$type.results" | fc_stats)
    printf "  %-7s channel: median %8d events/s (min %d, max %d), agent CPU %.2f us/event (median), peak RSS median %d MiB (max %d)\n" \
      "$type" "$med" "$lo" "$hi" "$(awk -v c="$cmed" 'BEGIN { print c / 1000 }')" "$rmed" "$rhi"
    [[ "$type" == memory ]] && mem_med=$med || file_med=$med
  done
  (( mem_med > 0 && file_med > 0 )) && awk -v f="$file_med" -v m="$mem_med" 'BEGIN { printf "  file / memory: %.2f\n", f / m }'

  if (( queued > 0 )); then
    echo "filling a file channel with $queued events (sink pointed at a closed port) ..."
    { yes "$line" || true; } | head -n "$queued" >"$work/input.txt"
    rm -rf "$work/fc"
    fc_agent_conf "$work/agent.properties" file "$work/input.txt" "$(free_port)" "$work/fc"
    "$bin" agent --conf-file "$work/agent.properties" --name a1 --no-reload-conf -Dflume.root.logger=INFO,console \
      >"$work/agent.log" 2>&1 &
    AGENT_PID=$!
    wait_for "$work/agent.log" "exited with 0" "$timeout" "$AGENT_PID"
    sleep 2
    local rss hwm disk
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$AGENT_PID/status")
    hwm=$(hwm_kb "$AGENT_PID")
    disk=$(du -sm "$work/fc/data" | cut -f1)
    stop_pid "$AGENT_PID"
    echo "  $queued events queued ($disk MB of data files): agent RSS $(( rss / 1024 )) MiB, peak $(( hwm / 1024 )) MiB"
    echo "  restarting on that backlog (replay) ..."
    start=$(now_ns)
    "$bin" agent --conf-file "$work/agent.properties" --name a1 --no-reload-conf -Dflume.root.logger=INFO,console \
      >"$work/agent2.log" 2>&1 &
    AGENT_PID=$!
    wait_for "$work/agent2.log" "Queue Size after replay" "$timeout" "$AGENT_PID"
    end=$(now_ns)
    echo "  $(grep -o 'Queue Size after replay.*' "$work/agent2.log" | head -n 1), agent start to replayed $(( (end - start) / 1000000 )) ms"
    stop_pid "$AGENT_PID"
  fi
}

# One TAILDIR run over $work/logs/app.log; prints "events_per_s agent_cpu_s collector_cpu_s agent_hwm_kb".
taildir_run() {
  local bin=$1 work=$2 events=$3 timeout=$4 port
  port=$(free_port)
  rm -f "$work/taildir_position.json" "$work/collector.log" "$work/agent.log"
  cat >"$work/collector.properties" <<CONF
a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = avro
a1.sources.r1.bind = 127.0.0.1
a1.sources.r1.port = $port
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.channels.c1.capacity = ${TAILDIR_CAPACITY:-10000}
a1.channels.c1.transactionCapacity = 1000
a1.sinks.k1.type = null
a1.sinks.k1.batchSize = 1000
a1.sinks.k1.logEveryNEvents = $events
a1.sinks.k1.channel = c1
CONF
  cat >"$work/agent.properties" <<CONF
a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = TAILDIR
a1.sources.r1.filegroups = f1
a1.sources.r1.filegroups.f1 = $work/logs/app\.log
a1.sources.r1.positionFile = $work/taildir_position.json
a1.sources.r1.batchSize = 1000
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.channels.c1.capacity = ${TAILDIR_CAPACITY:-10000}
a1.channels.c1.transactionCapacity = 1000
a1.sinks.k1.type = avro
a1.sinks.k1.hostname = 127.0.0.1
a1.sinks.k1.port = $port
a1.sinks.k1.batch-size = 1000
a1.sinks.k1.channel = c1
CONF
  "$bin" agent --conf-file "$work/collector.properties" --name a1 --no-reload-conf -Dflume.root.logger=INFO,console \
    >"$work/collector.log" 2>&1 &
  COLLECTOR_PID=$!
  wait_for "$work/collector.log" "Avro source r1 started." 60 "$COLLECTOR_PID" >&2
  local start end
  start=$(now_ns)
  "$bin" agent --conf-file "$work/agent.properties" --name a1 --no-reload-conf -Dflume.root.logger=INFO,console \
    >"$work/agent.log" 2>&1 &
  AGENT_PID=$!
  wait_for "$work/collector.log" "Null sink k1 successful processed $events events." "$timeout" "$COLLECTOR_PID" >&2
  end=$(now_ns)
  local ac cc ah
  ac=$(cpu_s "$AGENT_PID"); cc=$(cpu_s "$COLLECTOR_PID"); ah=$(hwm_kb "$AGENT_PID")
  if [[ -n ${BENCH_THREADS:-} ]]; then
    { echo "busiest agent threads (CPU):"; top_threads "$AGENT_PID"; echo "busiest collector threads (CPU):"; top_threads "$COLLECTOR_PID"; } >&2
  fi
  if grep -qE "\[(WARN|ERROR) " "$work/agent.log"; then
    grep -hE "\[(WARN|ERROR) " "$work/agent.log" | grep -v "Position file" | head -n 5 >&2 || true
  fi
  stop_pid "$AGENT_PID"
  stop_pid "$COLLECTOR_PID"
  awk -v n="$events" -v ns=$(( end - start )) -v ac="$ac" -v cc="$cc" -v ah="$ah" 'BEGIN { printf "%.0f %s %s %s\n", n / (ns / 1e9), ac, cc, ah }'
}

bench_taildir() {
  local events=${1:-5000000} runs=${2:-3}
  [[ "$events" =~ ^[1-9][0-9]*$ && "$runs" =~ ^[1-9][0-9]*$ ]] || usage
  local timeout=${BENCH_TIMEOUT:-600}
  local bin_dir="$ROOT/artifacts/bench-bin"
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/flumenet-bench.XXXXXX")
  local work=$WORK
  COLLECTOR_PID=""
  AGENT_PID=""
  trap 'stop_pid "${AGENT_PID:-}" 2>/dev/null || true; stop_pid "${COLLECTOR_PID:-}" 2>/dev/null || true; rm -rf "${WORK:-}"' EXIT

  echo "publishing Release flume-ng to $bin_dir ..."
  dotnet publish "$ROOT/src/FlumeNet.Agent" -c Release -o "$bin_dir" --nologo -v q >"$work/publish.log" 2>&1 \
    || { cat "$work/publish.log" >&2; exit 1; }
  mkdir -p "$work/logs"
  echo "generating $events lines of $BODY_BYTES bytes in logs/app.log ..."
  local line
  line=$(printf "%0${BODY_BYTES}d" 0)
  { yes "$line" || true; } | head -n "$events" >"$work/logs/app.log"

  local results=() r
  for ((r = 1; r <= runs; r++)); do
    local out
    out=$(taildir_run "$bin_dir/flume-ng" "$work" "$events" "$timeout")
    results+=("$out")
    awk -v r="$r" -v n="$events" '{ printf "run %d: %8.0f events/s   agent CPU %6.2f s (%.2f us/event)   collector CPU %6.2f s   agent peak RSS %.1f MiB\n", r, $1, $2, 1e6 * $2 / n, $3, $4 / 1024 }' <<<"$out"
  done
  printf '%s\n' "${results[@]}" | sort -n | awk -v n="$events" -v java=372000 '{ v[NR] = $1; c[NR] = $2 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "median:  %.0f events/s (min %.0f, max %.0f over %d runs) = %.2fx Java Flume 1.11 (%d events/s)\n", m, v[1], v[NR], NR, m / java, java
    printf "cores:   %d; the machine may be shared: compare medians, not single runs\n", '"$(nproc)"'
  }'
}

# exec -> memory -> Kafka sink against librdkafka's mock cluster (a helper process); done when the topic's high
# watermarks (read with kcat -Q) add up to the number of events.
bench_kafka() {
  local events=${1:-1000000}
  [[ "$events" =~ ^[1-9][0-9]*$ ]] || usage
  local timeout=${BENCH_TIMEOUT:-600}
  local bin_dir="$ROOT/artifacts/bench-bin"
  local partitions=3 topic=bench
  command -v kcat >/dev/null 2>&1 || { echo "kcat is required (apt-get install kcat)" >&2; exit 1; }
  KWORK=$(mktemp -d "${TMPDIR:-/tmp}/flumenet-bench-kafka.XXXXXX")
  local work=$KWORK
  KAGENT_PID=""
  KMOCK_PID=""
  trap 'stop_pid "${KAGENT_PID:-}" 2>/dev/null || true; stop_pid "${KMOCK_PID:-}" 2>/dev/null || true; rm -rf "${KWORK:-}"' EXIT

  echo "publishing Release flume-ng to $bin_dir ..."
  dotnet publish "$ROOT/src/FlumeNet.Agent" -c Release -o "$bin_dir" --nologo -v q >"$work/publish.log" 2>&1 \
    || { cat "$work/publish.log" >&2; exit 1; }
  local bin="$bin_dir/flume-ng"

  echo "generating $events lines of $BODY_BYTES bytes ..."
  local line
  line=$(printf "%0${BODY_BYTES}d" 0)
  { yes "$line" || true; } | head -n "$events" >"$work/input.txt"

  mkfifo "$work/mock.stdin"
  "$ROOT/scripts/kafka-mock-cluster.py" 1 "$topic:$partitions" <"$work/mock.stdin" >"$work/mock.out" 2>"$work/mock.log" &
  KMOCK_PID=$!
  exec 7>"$work/mock.stdin" # keeps the mock cluster's stdin open until the end
  wait_for "$work/mock.out" "127.0.0.1:" 30 "$KMOCK_PID"
  local servers
  servers=$(head -n 1 "$work/mock.out")

  cat >"$work/agent.properties" <<CONF
a1.sources = r1
a1.channels = c1
a1.sinks = k1
a1.sources.r1.type = exec
a1.sources.r1.command = cat $work/input.txt
a1.sources.r1.batchSize = 1000
a1.sources.r1.channels = c1
a1.channels.c1.type = memory
a1.channels.c1.capacity = 100000
a1.channels.c1.transactionCapacity = 1000
a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink
a1.sinks.k1.kafka.bootstrap.servers = $servers
a1.sinks.k1.kafka.topic = $topic
a1.sinks.k1.flumeBatchSize = 1000
a1.sinks.k1.channel = c1
CONF

  stored() {
    local p total=0 n
    for (( p = 0; p < partitions; p++ )); do
      n=$(kcat -Q -b "$servers" -t "$topic:$p:-1" 2>/dev/null | awk '{ print $NF }')
      total=$(( total + ${n:-0} ))
    done
    echo "$total"
  }

  local start end deadline
  start=$(now_ns)
  "$bin" agent --conf-file "$work/agent.properties" --name a1 --no-reload-conf -Dflume.root.logger=INFO,console \
    >"$work/agent.log" 2>&1 &
  KAGENT_PID=$!
  deadline=$(( $(date +%s) + timeout ))
  until (( $(stored) >= events )); do
    kill -0 "$KAGENT_PID" 2>/dev/null || { echo "agent exited:" >&2; tail -n 30 "$work/agent.log" >&2; exit 1; }
    (( $(date +%s) < deadline )) || { echo "timed out after ${timeout}s with $(stored) of $events stored" >&2; tail -n 30 "$work/agent.log" >&2; exit 1; }
    sleep 0.1
  done
  end=$(now_ns)

  local agent_hwm agent_cpu mock_cpu agent_threads
  agent_hwm=$(hwm_kb "$KAGENT_PID")
  agent_cpu=$(cpu_s "$KAGENT_PID")
  mock_cpu=$(cpu_s "$KMOCK_PID")
  agent_threads=$(top_threads "$KAGENT_PID")
  stop_pid "$KAGENT_PID"
  exec 7>&-
  stop_pid "$KMOCK_PID"

  awk -v n="$events" -v b="$BODY_BYTES" -v ns=$(( end - start )) -v ah="$agent_hwm" -v ac="$agent_cpu" -v mc="$mock_cpu" -v cores="$(nproc)" 'BEGIN {
    s = ns / 1e9
    printf "events:            %d x %d-byte bodies -> Kafka sink (acks=1, flumeBatchSize 1000) -> mock cluster\n", n, b
    printf "wall time:         %.2f s (agent start -> every record acknowledged and stored)\n", s
    printf "throughput:        %.0f events/s, %.1f MB/s of bodies\n", n / s, n * b / s / 1e6
    printf "agent     CPU:     %.2f s (%.0f%% of one core over the run), peak RSS %.1f MiB\n", ac, 100 * ac / s, ah / 1024
    printf "mock cluster CPU:  %.2f s (the broker side, not FlumeNet)\n", mc
    printf "cores:             %d\n", cores
  }'
  echo "busiest agent threads (CPU):"
  echo "$agent_threads"
  if grep -qE "\[(WARN|ERROR) " "$work/agent.log"; then
    echo "warnings/errors logged during the run:"
    grep -hE "\[(WARN|ERROR) " "$work/agent.log" | head -n 10
  fi
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
