#!/usr/bin/env bash
# Runs the PostgreSQL spool benchmark once and writes docs/benchmarks-postgres.md.
#
#   benchmarks/run-postgres.sh                                  # the full run, a few minutes on 2 cores
#   BENCH_MESSAGES=2000 BENCH_SCALE_ROWS=100000 benchmarks/run-postgres.sh   # a smoke test
#   BENCH_JDBC_URL='jdbc:postgresql://db:5432/bench?user=bench&password=...' benchmarks/run-postgres.sh
#
# Works from a clean clone: it builds the benchmarks module and what it depends on first. Without
# BENCH_JDBC_URL it starts PostgreSQL from the embedded-postgres binaries on Maven Central, as the tests
# do (steadfast-test-support's EmbeddedPostgresServer; as root it runs the server as nobody).
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

{
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || echo unknown)"
  echo "kernel: $(uname -sr)"
  echo "load average at start (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  free -h
  echo
  java -version 2>&1
  echo
  echo "JVM flags: -Xms1g -Xmx1g -XX:+UseParallelGC"
} > "$work/machine.txt"

jdbc=()
if [[ -n "${BENCH_JDBC_URL:-}" ]]; then
  jdbc=("-Dbench.jdbcUrl=$BENCH_JDBC_URL")
fi

echo "== running (output: docs/benchmarks-postgres.md)" >&2
java -Xms1g -Xmx1g -XX:+UseParallelGC \
  -Dbench.messages="${BENCH_MESSAGES:-20000}" -Dbench.workers="${BENCH_WORKERS:-8}" \
  -Dbench.scaleRows="${BENCH_SCALE_ROWS:-1000000}" -Dbench.scalePending="${BENCH_SCALE_PENDING:-20000}" \
  -Dbench.claims="${BENCH_CLAIMS:-200}" "${jdbc[@]}" ${BENCH_JAVA_OPTS:-} \
  -cp "$classpath" io.steadfast.benchmarks.PostgresSpoolBenchmark "$root/docs" "$work/machine.txt"
echo "load average at end (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)" >&2
