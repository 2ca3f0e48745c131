#!/usr/bin/env bash
# FlumeNet benchmarks.
#
#   scripts/bench.sh avro [events]   end to end: agent (exec `cat` of N 100-byte lines -> memory -> avro sink)
#                                    -> collector (avro source 127.0.0.1 -> memory -> null sink), two processes.
#                                    Default N = 5,000,000. Prints events/s, MB/s (bodies), CPU and peak RSS.
#   scripts/bench.sh micro [bdn args] BenchmarkDotNet micro-benchmarks (benchmarks/FlumeNet.Benchmarks), short job.
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
#
# Loopback only. Environment: BENCH_TIMEOUT (seconds, default 600) bounds the wait for the collector.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BODY_BYTES=100

usage() {
  echo "usage: scripts/bench.sh avro [events] | scripts/bench.sh filechannel [events] [runs] [queued] | scripts/bench.sh micro [BenchmarkDotNet args] | scripts/bench.sh taildir [events] [runs] | scripts/bench.sh kafka [events]" >&2
  exit 2
}

now_ns() { date +%s%N; }

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

# wait_for FILE TEXT TIMEOUT_S PID: polls until FILE contains TEXT; fails if PID died or time is up.
wait_for() {
  local file=$1 text=$2 timeout=$3 pid=$4
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
    sleep 0.05
  done
}

hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# user+system CPU seconds of a live process (fields 14 and 15 of /proc/PID/stat, in clock ticks).
cpu_s() {
  local ticks
  ticks=$(getconf CLK_TCK)
  awk -v t="$ticks" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat"
}

# The busiest threads of a live process: "name cpu_s" for the top 4 (thread names are cut to 15 chars by Linux).
top_threads() {
  local ticks
  ticks=$(getconf CLK_TCK)
  for stat in /proc/"$1"/task/*/stat; do
    awk -v t="$ticks" '{ n = $0; sub(/^[^(]*\(/, "", n); sub(/\) .*$/, "", n); r = $0; sub(/^.*\) /, "", r); split(r, f, " ");
      printf "%.2f\t%s\n", (f[12] + f[13]) / t, n }' "$stat" 2>/dev/null || true
  done | sort -rn | head -n 4 | awk -F'\t' '{ printf "    %-16s %6.2f s\n", $2, $1 }'
}

stop_pid() {
  local pid=$1
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do
      kill -0 "$pid" 2>/dev/null || return 0
      sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

bench_avro() {
  local events=${1:-5000000}
  [[ "$events" =~ ^[1-9][0-9]*$ ]] || usage
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

  echo "generating $events lines of $BODY_BYTES bytes ..."
  local line
  line=$(printf "%0${BODY_BYTES}d" 0)
  # yes ends on SIGPIPE when head has enough; that is not a failure.
  { yes "$line" || true; } | head -n "$events" >"$work/input.txt"

  local port
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
a1.sinks.k1.type = avro
a1.sinks.k1.hostname = 127.0.0.1
a1.sinks.k1.port = $port
a1.sinks.k1.batch-size = 1000
a1.sinks.k1.channel = c1
CONF

  "$bin" agent --conf-file "$work/collector.properties" --name a1 --no-reload-conf -Dflume.root.logger=INFO,console \
    >"$work/collector.log" 2>&1 &
  COLLECTOR_PID=$!
  wait_for "$work/collector.log" "Avro source r1 started." 60 "$COLLECTOR_PID"

  local start end
  start=$(now_ns)
  "$bin" agent --conf-file "$work/agent.properties" --name a1 --no-reload-conf -Dflume.root.logger=INFO,console \
    >"$work/agent.log" 2>&1 &
  AGENT_PID=$!
  wait_for "$work/collector.log" "Null sink k1 successful processed $events events." "$timeout" "$COLLECTOR_PID"
  end=$(now_ns)

  local agent_hwm collector_hwm agent_cpu collector_cpu
  agent_hwm=$(hwm_kb "$AGENT_PID")
  collector_hwm=$(hwm_kb "$COLLECTOR_PID")
  agent_cpu=$(cpu_s "$AGENT_PID")
  collector_cpu=$(cpu_s "$COLLECTOR_PID")
  local agent_threads collector_threads
  agent_threads=$(top_threads "$AGENT_PID")
  collector_threads=$(top_threads "$COLLECTOR_PID")
  stop_pid "$AGENT_PID"
  stop_pid "$COLLECTOR_PID"

  awk -v n="$events" -v b="$BODY_BYTES" -v ns=$(( end - start )) \
      -v ah="$agent_hwm" -v ch="$collector_hwm" -v ac="$agent_cpu" -v cc="$collector_cpu" -v cores="$(nproc)" 'BEGIN {
    s = ns / 1e9
    printf "events:            %d x %d-byte bodies\n", n, b
    printf "wall time:         %.2f s (agent start -> collector null sink consumed all)\n", s
    printf "throughput:        %.0f events/s, %.1f MB/s of bodies\n", n / s, n * b / s / 1e6
    printf "agent     CPU:     %.2f s (%.0f%% of one core over the run), peak RSS %.1f MiB\n", ac, 100 * ac / s, ah / 1024
    printf "collector CPU:     %.2f s (%.0f%% of one core over the run), peak RSS %.1f MiB\n", cc, 100 * cc / s, ch / 1024
    printf "cores:             %d\n", cores
  }'
  echo "busiest agent threads (CPU):"
  echo "$agent_threads"
  echo "busiest collector threads (CPU):"
  echo "$collector_threads"
  if grep -qE "\[(WARN|ERROR) " "$work/agent.log" "$work/collector.log"; then
    echo "warnings/errors logged during the run:"
    grep -hE "\[(WARN|ERROR) " "$work/agent.log" "$work/collector.log" | head -n 10
  fi
}

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

bench_micro() {
  local args=("$@")
  if (( ${#args[@]} == 0 )); then
    args=(--filter '*' --job short)
  fi
  dotnet run -c Release --project "$ROOT/benchmarks/FlumeNet.Benchmarks" -- \
    --artifacts "$ROOT/artifacts/benchmarks" "${args[@]}"
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

case "${1:-}" in
  avro) shift; bench_avro "$@" ;;
  micro) shift; bench_micro "$@" ;;
  taildir) shift; bench_taildir "$@" ;;
  filechannel) shift; bench_filechannel "$@" ;;
  kafka) shift; bench_kafka "$@" ;;
  *) usage ;;
esac
