#!/usr/bin/env bash
# Reproducible builds: builds the published artifacts of HEAD twice, from two clean clones in different
# directories (in parallel, so timing differs too), and fails with the list of files whose SHA-256
# differs. Offline against the local Maven repository, which it only reads (a "tail" repository; each
# build writes into its own), so run it after ./mvnw verify has filled that repository.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
root=$PWD
commit=$(git rev-parse HEAD)
maven_repo=${MAVEN_REPOSITORY:-$HOME/.m2/repository}
work=$(mktemp -d "${TMPDIR:-/tmp}/steadfast-reproducible.XXXXXX")
trap 'rm -rf "$work"' EXIT
# What users get from Central: the jars (classes, sources, Javadoc), the CLI's steadfast.jar and the
# flattened POMs. The SBOMs are not compared: the CycloneDX plugin runs only online, and these builds
# are offline.
published=(core http smtp spool spring-boot-starter cli test-support)

build() { # directory
  git clone -q --no-hardlinks "$root" "$1"
  git -C "$1" checkout -q "$commit"
  (cd "$1" && ./mvnw -B -q -o package -DskipTests -Dmaven.repo.local="$1.m2" -Dmaven.repo.local.tail="$maven_repo") \
    >"$1.log" 2>&1
}
build "$work/first" & first=$!
build "$work/second-in-another-directory" & second=$!
status=0
wait "$first" || { echo "The first build failed:" >&2; tail -50 "$work/first.log" >&2; status=1; }
wait "$second" || { echo "The second build failed:" >&2; tail -50 "$work/second-in-another-directory.log" >&2; status=1; }
[[ $status == 0 ]] || exit 1

files() { # clone directory: the published files, relative to it
  (cd "$1" && for module in bom "${published[@]}"; do
    ls "$module"/target/*.jar "$module"/target/flattened-pom.xml 2>/dev/null || true
  done)
}
compared=0
differing=()
while read -r file; do
  compared=$((compared + 1))
  if [[ ! -f "$work/second-in-another-directory/$file" ]]; then
    differing+=("$file (only in the first build)")
    continue
  fi
  first_sum=$(sha256sum "$work/first/$file" | cut -d' ' -f1)
  second_sum=$(sha256sum "$work/second-in-another-directory/$file" | cut -d' ' -f1)
  [[ "$first_sum" == "$second_sum" ]] || differing+=("$file ($first_sum vs $second_sum)")
done < <(files "$work/first")
if [[ $compared == 0 ]]; then
  echo "Reproducibility check found no published files to compare." >&2
  exit 1
fi

seconds=$((SECONDS - started))
if [[ ${#differing[@]} -gt 0 ]]; then
  echo "Not reproducible: ${#differing[@]} of $compared published files differ between two clean builds of $commit:" >&2
  printf '  %s\n' "${differing[@]}" >&2
  echo "A build must not record the time, the directory or the order of a file system walk; see project.build.outputTimestamp in pom.xml." >&2
  exit 1
fi
echo "Reproducible: $compared published files byte-identical in two clean builds of $commit (${seconds} s)."
