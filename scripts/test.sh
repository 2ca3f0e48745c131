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

# The Avro interop tests drive Avro's own Python implementation (Debian's python3-avro).
if ! /usr/bin/python3 -c 'import avro.ipc' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing python3-avro (Avro's Python implementation, for the interop tests)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-avro) >/dev/null 2>&1 \
      || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-avro; }
  else
    echo "warning: python3-avro is missing and cannot be installed here; the interop tests will fail" >&2
  fi
fi

# flume-ng is published as a native (AOT) executable: the linker is clang, and zlib's headers are needed.
if ! command -v clang >/dev/null 2>&1 || [ ! -e /usr/include/zlib.h ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing clang and zlib1g-dev (to link the native flume-ng)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang zlib1g-dev) >/dev/null 2>&1 \
      || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y clang zlib1g-dev; }
  else
    echo "warning: clang/zlib1g-dev are missing and cannot be installed here; publishing flume-ng will fail" >&2
  fi
fi

# The monitoring tests check the /prometheus output with promtool and let a real Prometheus scrape an agent
# (Debian's prometheus package ships both).
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing prometheus (promtool and the server, for the monitoring tests)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus) >/dev/null 2>&1 \
      || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y prometheus; }
  else
    echo "warning: prometheus (promtool) is missing and cannot be installed here; the monitoring tests will fail" >&2
  fi
fi

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
