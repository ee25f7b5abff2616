#!/usr/bin/env bash
# Runs the benchmarks and writes their reports into docs/:
#   rest   REST and SMTP against baselines and SparkPost's client  -> docs/benchmarks.md, docs/benchmarks.png
#   spool  durable submit vs a raw group-commit loop, heap, restart -> docs/benchmarks-spool.md
#   drain  backlog drain under a rate limit, outage timing         -> docs/benchmarks-resilience.md
#   reconcile  events requests per 1,000 lost answers, batched vs one per search; recovery to
#          all reconciled after an Events API outage               -> docs/benchmarks-reconcile.md
#   recovery  a 10,000-message backlog from a 2-hour outage, drained against a rate limit R after
#          the heal: recovery to drained vs N/R, recovery detection -> docs/benchmarks-recovery.md
#   ablation  (diagnosis, not in the default parts; prints only) the REST send taken apart piece by piece
#          against raw OkHttp, with CPU per send: timeouts, channel sockets, transport, client, ledger
#
#   benchmarks/run.sh                 # everything, about 19 minutes on 2 cores
#   benchmarks/run.sh spool drain     # some parts only
#   BENCH_SMOKE=1 benchmarks/run.sh   # every part with tiny settings, to check the harness (about 3 minutes)
#
# BENCH_OUT=DIR writes the reports there instead of docs/. BENCH_CLASSPATH_PREFIX=JARS puts jars first on
# the class path, e.g. an earlier build's steadfast-core and steadfast-http, to compare two builds with
# the same harness (run them in turns: the machine's load changes between runs).
#
# Works from a clean clone: it builds the benchmarks module and what it depends on first. Ratios are
# taken within one run, so a busy machine shifts both sides; absolute figures need an idle machine.
# Spool directories go under java.io.tmpdir (set BENCH_TMPDIR to measure another disk).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
parts=("$@")
if [[ ${#parts[@]} -eq 0 ]]; then
  parts=(rest spool drain reconcile recovery)
fi
smoke="${BENCH_SMOKE:-}"
# A setting: the environment variable if set, else the smoke or the full value.
setting() { local name="$1" full="$2" small="$3"; local value="${!name:-}"; [[ -n "$value" ]] && echo "$value" && return; [[ -n "$smoke" ]] && echo "$small" || echo "$full"; }

echo "== building" >&2
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  # maven.test.skip: the benchmarks need no test classes, so none are compiled (faster, and immune to
  # test code that is mid-change in another module).
  ./mvnw -B -q -Dmaven.test.skip=true -Dmaven.javadoc.skip install -pl benchmarks -am
fi
./mvnw -B -q dependency:build-classpath -pl benchmarks -Dmdep.outputFile="$work/classpath" -Dmdep.includeScope=runtime >/dev/null
classpath="$root/benchmarks/target/classes:$(cat "$work/classpath")"
if [[ -n "${BENCH_CLASSPATH_PREFIX:-}" ]]; then
  classpath="$BENCH_CLASSPATH_PREFIX:$classpath"
fi
out="${BENCH_OUT:-$root/docs}"
mkdir -p "$out"
tmpdir="${BENCH_TMPDIR:-${TMPDIR:-/tmp}}"
java_opts=(-Xms1g -Xmx1g -XX:+UseParallelGC -Djava.awt.headless=true -Djava.io.tmpdir="$tmpdir" -Dlog4j2.level=ERROR)

{
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || echo unknown)"
  echo "kernel: $(uname -sr)"
  # Ratios within one run survive a busy machine; absolute numbers do not. Say how busy it was.
  echo "load average at start (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "spool directories: $tmpdir on $(df -PT "$tmpdir" | awk 'NR==2 {print $1 " (" $2 ")"}')"
  echo
  free -h
  echo
  java -version 2>&1
  echo
  echo "JVM flags: ${java_opts[*]}"
} > "$work/machine.txt"

for part in "${parts[@]}"; do
  echo "== $part" >&2
  case "$part" in
    rest)
      java "${java_opts[@]}" \
        -Dbench.rounds="$(setting BENCH_ROUNDS 5 1)" -Dbench.seconds="$(setting BENCH_SECONDS 2 0.5)" \
        -Dbench.warmup="$(setting BENCH_WARMUP 3 0.5)" -Dbench.smtpThreads="${BENCH_SMTP_THREADS:-4}" \
        ${BENCH_JAVA_OPTS:-} -cp "$classpath" io.steadfast.benchmarks.BenchmarkMain "$out" "$work/machine.txt"
      ;;
    spool)
      java "${java_opts[@]}" \
        -Dbench.seconds="$(setting BENCH_SECONDS 1 0.3)" -Dbench.warmup="$(setting BENCH_WARMUP 5 0.5)" \
        -Dbench.rounds="$(setting BENCH_ROUNDS 5 2)" -Dbench.heapMessages="$(setting BENCH_HEAP_MESSAGES 1000000 20000)" \
        -Dbench.heapFirst="$(setting BENCH_HEAP_FIRST 10000 5000)" \
        -Dbench.heapSeconds="$(setting BENCH_HEAP_SECONDS 180 30)" \
        -Dbench.restartMessages="$(setting BENCH_RESTART_MESSAGES 10000 1000)" \
        ${BENCH_JAVA_OPTS:-} -cp "$classpath" io.steadfast.benchmarks.SpoolBenchmark "$out" "$work/machine.txt"
      ;;
    drain)
      java "${java_opts[@]}" \
        -Dbench.drainMessages="$(setting BENCH_DRAIN_MESSAGES 100000 5000)" \
        -Dbench.drainRate="$(setting BENCH_DRAIN_RATE 800 800)" \
        -Dbench.capacityMessages="$(setting BENCH_CAPACITY_MESSAGES 20000 2000)" \
        -Dbench.outageSeconds="$(setting BENCH_OUTAGE_SECONDS 20 5)" \
        ${BENCH_JAVA_OPTS:-} -cp "$classpath" io.steadfast.benchmarks.DrainBenchmark "$out" "$work/machine.txt"
      ;;
    reconcile)
      java "${java_opts[@]}" -Dbench.parts=reconcile \
        -Dbench.reconcileMessages="$(setting BENCH_RECONCILE_MESSAGES 1000,3000 200)" \
        ${BENCH_JAVA_OPTS:-} -cp "$classpath" io.steadfast.benchmarks.BenchmarkMain "$out" "$work/machine.txt"
      ;;
    recovery)
      java "${java_opts[@]}" \
        -Dbench.recoveryMessages="$(setting BENCH_RECOVERY_MESSAGES 10000 1000)" \
        -Dbench.recoveryRate="$(setting BENCH_RECOVERY_RATE 500 200)" \
        -Dbench.recoverySeeds="$(setting BENCH_RECOVERY_SEEDS 5 1)" \
        -Dbench.recoveryTailSeconds="$(setting BENCH_RECOVERY_TAIL_SECONDS 20 10)" \
        -Dbench.recoveryCapacityMessages="$(setting BENCH_RECOVERY_CAPACITY_MESSAGES 5000 1000)" \
        ${BENCH_JAVA_OPTS:-} -cp "$classpath" io.steadfast.benchmarks.RecoveryBenchmark "$out" "$work/machine.txt"
      ;;
    ablation)
      java "${java_opts[@]}" ${BENCH_JAVA_OPTS:-} -cp "$classpath" io.steadfast.benchmarks.RestAblation \
        "$(setting BENCH_ROUNDS 7 1)" "$(setting BENCH_SECONDS 1 0.3)" 1 16
      ;;
    *)
      echo "unknown part '$part' (expected rest, spool, drain, reconcile, recovery or ablation)" >&2
      exit 2
      ;;
  esac
done
echo "load average at end (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)" >&2
