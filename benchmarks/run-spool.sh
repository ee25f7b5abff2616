#!/usr/bin/env bash
# Runs the durable-spool benchmark once and writes docs/benchmarks-spool.md.
#
#   benchmarks/run-spool.sh                 # the full run, about 3-4 minutes on 2 cores
#   BENCH_SECONDS=0.5 BENCH_WARMUP=0.2 BENCH_HEAP_MESSAGES=20000 BENCH_HEAP_FIRST=5000 \
#     BENCH_RESTART_MESSAGES=1000 benchmarks/run-spool.sh          # a smoke test
#
# Works from a clean clone: it builds the benchmarks module and what it depends on first.
# The spool directories go under java.io.tmpdir (set BENCH_TMPDIR to measure another disk).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== building" >&2
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  ./mvnw -B -q -Dmaven.test.skip=true -Dmaven.javadoc.skip install -pl benchmarks -am
fi
./mvnw -B -q dependency:build-classpath -pl benchmarks -Dmdep.outputFile="$work/classpath" -Dmdep.includeScope=runtime >/dev/null
classpath="$root/benchmarks/target/classes:$(cat "$work/classpath")"
tmpdir="${BENCH_TMPDIR:-${TMPDIR:-/tmp}}"

{
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || echo unknown)"
  echo "kernel: $(uname -sr)"
  echo "load average at start (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "spool/raw-loop directory: $tmpdir on $(df -PT "$tmpdir" | awk 'NR==2 {print $1 " (" $2 ")"}')"
  echo
  free -h
  echo
  java -version 2>&1
  echo
  echo "JVM flags: -Xms1g -Xmx1g -XX:+UseParallelGC"
} > "$work/machine.txt"

echo "== running (output: docs/benchmarks-spool.md)" >&2
java -Xms1g -Xmx1g -XX:+UseParallelGC -Djava.io.tmpdir="$tmpdir" \
  -Dbench.seconds="${BENCH_SECONDS:-3}" -Dbench.warmup="${BENCH_WARMUP:-1}" \
  -Dbench.heapMessages="${BENCH_HEAP_MESSAGES:-1000000}" -Dbench.heapFirst="${BENCH_HEAP_FIRST:-10000}" \
  -Dbench.heapSeconds="${BENCH_HEAP_SECONDS:-90}" -Dbench.restartMessages="${BENCH_RESTART_MESSAGES:-10000}" \
  ${BENCH_JAVA_OPTS:-} \
  -cp "$classpath" io.steadfast.benchmarks.SpoolBenchmark "$root/docs" "$work/machine.txt"
echo "load average at end (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)" >&2
