#!/usr/bin/env bash
# Builds FlumeNet, publishes the flume-ng executable the integration tests start, and runs every test.
# Ends with a line "N passed, N failed". Exit status 0 only when everything passed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK (dotnet) is required: https://dot.net" >&2
  exit 1
fi

# Debian packages the tests drive, installed when missing (as root): need "<check command>" "<packages>" "<what for>".
need() {
  if bash -c "$1" >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing $2 ($3)"
    # shellcheck disable=SC2086 # the package list is meant to split
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $2) >/dev/null 2>&1 \
      || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $2; }
  else
    echo "warning: $2 missing and cannot be installed here; $3 will fail" >&2
  fi
}
need "command -v clang && test -e /usr/include/zlib.h" "clang zlib1g-dev" "publishing the native flume-ng (clang links it; zlib headers)"
need "command -v curl && command -v logger" "curl bsdutils" "the http and syslog source tests"
need "/usr/bin/python3 -c 'import avro.ipc'" "python3-avro" "the Avro interop tests (Avro's own Python implementation)"
need "command -v promtool && command -v prometheus" "prometheus" "the monitoring tests (promtool and a real Prometheus server)"
need "command -v kcat && /usr/bin/python3 -c 'import kafka'" "kcat python3-kafka" "the Kafka tests (independent Kafka clients)"

export HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build FlumeNet.sln -c Release --nologo -v q
# Publishing compiles the agent for this machine's runtime identifier and links it natively (not reusable from the build).
dotnet publish src/FlumeNet.Agent -c Release -o "$root/artifacts/test-bin" --nologo -v q
export FLUMENET_BIN="$root/artifacts/test-bin/flume-ng"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test FlumeNet.sln -c Release --no-build --nologo 2>&1 | tee "$log" || status=$?

# One summary line per test assembly: "Passed!  - Failed: 0, Passed: 81, Skipped: 0, Total: 81, ..."
read -r passed failed skipped assemblies < <(awk '
  /(Passed|Failed)! +- +Failed:/ {
    line=$0; gsub(/[,:]/, " ", line); n=split(line, w, /[ \t]+/)
    for (i=1;i<n;i++) { if (w[i]=="Failed") f+=w[i+1]; if (w[i]=="Passed") p+=w[i+1]; if (w[i]=="Skipped") s+=w[i+1] }
    a++
  }
  END { printf "%d %d %d %d\n", p, f, s, a }' "$log")

expected=$(find tests -name '*.Tests.csproj' -o -name '*IntegrationTests.csproj' | wc -l)
if [ "$assemblies" -lt "$expected" ]; then
  echo "error: only $assemblies of $expected test assemblies reported a result" >&2
  failed=$((failed + expected - assemblies))
  status=1
fi
if [ "$failed" -gt 0 ]; then status=1; fi
if [ "$passed" -eq 0 ]; then status=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
