#!/usr/bin/env bash
# Runs every benchmark once and writes docs/benchmarks.md and docs/benchmarks.png.
#
#   benchmarks/run.sh                       # the full run, about 5 minutes on 2 cores
#   BENCH_ROUNDS=1 BENCH_SECONDS=0.5 BENCH_WARMUP=0.5 benchmarks/run.sh   # a smoke test
#
# Works from a clean clone: it builds the benchmarks module and what it depends on first.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== building" >&2
# maven.test.skip: the benchmarks need no test classes, so none are compiled (faster, and immune to
# test code that is mid-change in another module).
./mvnw -B -q -Dmaven.test.skip=true -Dmaven.javadoc.skip install -pl benchmarks -am
./mvnw -B -q dependency:build-classpath -pl benchmarks -Dmdep.outputFile="$work/classpath" -Dmdep.includeScope=runtime >/dev/null
classpath="$root/benchmarks/target/classes:$(cat "$work/classpath")"

{
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || echo unknown)"
  echo "kernel: $(uname -sr)"
  # Ratios within one run survive a busy machine; absolute numbers do not. Say how busy it was.
  echo "load average at start (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  free -h
  echo
  java -version 2>&1
  echo
  echo "JVM flags: -Xms1g -Xmx1g -XX:+UseParallelGC -Djava.awt.headless=true"
} > "$work/machine.txt"

echo "== running (output: docs/benchmarks.md, docs/benchmarks.png)" >&2
java -Xms1g -Xmx1g -XX:+UseParallelGC -Djava.awt.headless=true \
  -Dbench.rounds="${BENCH_ROUNDS:-7}" -Dbench.seconds="${BENCH_SECONDS:-2}" \
  -Dbench.warmup="${BENCH_WARMUP:-3}" -Dbench.smtpThreads="${BENCH_SMTP_THREADS:-4}" \
  -Dlog4j2.level=ERROR ${BENCH_JAVA_OPTS:-} \
  -cp "$classpath" io.steadfast.benchmarks.BenchmarkMain "$root/docs" "$work/machine.txt"
