#!/usr/bin/env bash
# The runtime artifacts a user's build resolves when it depends on each published module, checked
# against the lists beside this script (dependencies/<module>.txt), so that every change of what we
# ship to users is a deliberate, reviewed change of a list.
#
# Resolved the way a user's build does, not from the reactor: the modules' flattened POMs and jars are
# put into a fresh local repository, a throw-away consumer project per module depends on one of them,
# and maven-dependency-plugin's list goal (runtime scope) resolves it. Third-party artifacts come from
# the build's own local repository (read-only, as a "tail") or, online, from Central.
#
# Run by this module's verify phase:
#   check.sh ROOT VERSION MAVEN_HOME LOCAL_REPO offline=BOOLEAN UPDATE WORK DEPENDENCY_PLUGIN_VERSION
set -euo pipefail

root=$1 version=$2 maven_home=$3 local_repo=$4 offline=${5#offline=} update=$6 work=$7 dependency_plugin=$8
lists="$root/dependencies"
modules=(bom core http smtp spool spring-boot-starter cli test-support)
update_command="./mvnw -B verify -DskipTests -pl dependencies -am -Dsteadfast.dependencies.update=true"

# Third-party POMs the reactor never read (versions it pins, a consumer mediates) are downloaded into
# this repository and kept there for offline runs; Steadfast's own artifacts are put in afresh.
repository="$work/repository"
rm -rf "$work/consumers" "$repository/io/steadfast"
mkdir -p "$repository" "$work/consumers"

# What 'install' would have put into a user's repository: the flattened POM and the jar.
for module in "${modules[@]}"; do
  artifact="steadfast-$module"
  target="$root/$module/target"
  into="$repository/io/steadfast/$artifact/$version"
  mkdir -p "$into"
  if [[ ! -f "$target/flattened-pom.xml" ]]; then
    echo "No $target/flattened-pom.xml: build $module first (./mvnw verify builds it before this check)." >&2
    exit 1
  fi
  cp "$target/flattened-pom.xml" "$into/$artifact-$version.pom"
  if [[ "$module" != bom ]]; then
    cp "$target/$artifact-$version.jar" "$into/$artifact-$version.jar"
  fi
done

# One consumer per module; the BOM's imports the BOM and takes every published artifact without a
# version, so it also proves the BOM names them all.
consumer() { # name, dependencyManagement, dependencies
  mkdir -p "$work/consumers/$1"
  cat >"$work/consumers/$1/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example.consumer</groupId>
  <artifactId>$1</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencyManagement><dependencies>$2</dependencies></dependencyManagement>
  <dependencies>$3</dependencies>
</project>
POM
}
dependency() { # artifactId, version (empty: from the BOM)
  echo "<dependency><groupId>io.steadfast</groupId><artifactId>$1</artifactId>${2:+<version>$2</version>}</dependency>"
}
module_list=""
everything=""
for module in "${modules[@]}"; do
  module_list+="<module>$module</module>"
  if [[ "$module" != bom ]]; then
    consumer "$module" "" "$(dependency "steadfast-$module" "$version")"
    everything+="$(dependency "steadfast-$module" "")"
  fi
done
consumer bom "<dependency><groupId>io.steadfast</groupId><artifactId>steadfast-bom</artifactId><version>$version</version><type>pom</type><scope>import</scope></dependency>" "$everything"
cat >"$work/consumers/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example.consumer</groupId>
  <artifactId>consumers</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <modules>$module_list</modules>
</project>
POM

flags=(-B -q -f "$work/consumers/pom.xml" -Dmaven.repo.local="$repository" -Dmaven.repo.local.tail="$local_repo")
if [[ "$offline" == true ]]; then
  flags+=(-o)
fi
if ! "$maven_home/bin/mvn" "${flags[@]}" org.apache.maven.plugins:maven-dependency-plugin:$dependency_plugin:list \
  -DincludeScope=runtime -DoutputFile=resolved.txt -DappendOutput=false -DoutputAbsoluteArtifactFilename=false; then
  echo "A user's build of $work/consumers could not resolve the published modules (above)." >&2
  if [[ "$offline" == true ]]; then
    echo "Offline, it needs the POMs a consumer mediates: run this check once online after a clean." >&2
  fi
  exit 1
fi

# "  org.slf4j:slf4j-api:jar:2.0.17:compile -- module org.slf4j" -> org.slf4j:slf4j-api:2.0.17
# (a classifier, if any, stays: group:artifact:classifier:version).
normalise() {
  sed -e 's/^ *//' -e 's/ -- .*$//' "$1" | awk -F: 'NF >= 5 {
      if (NF == 5) print $1 ":" $2 ":" $4; else print $1 ":" $2 ":" $4 ":" $5 }' |
    grep -v "^io\.steadfast:steadfast-$2:" | LC_ALL=C sort -u || true
}

failed=0
for module in "${modules[@]}"; do
  actual="$work/$module.actual"
  normalise "$work/consumers/$module/resolved.txt" "$module" >"$actual"
  list="$lists/$module.txt"
  if [[ "$update" == true ]]; then
    {
      echo "# The runtime artifacts (group:artifact:version) a build that depends on io.steadfast:steadfast-$module"
      [[ "$module" == bom ]] && echo "# (importing the BOM and taking every artifact it lists) resolves, besides the module itself."
      [[ "$module" != bom ]] && echo "# resolves, besides the module itself."
      echo "# Checked by ./mvnw verify (dependencies/check.sh); change it only with the change that causes it:"
      echo "#   $update_command"
      cat "$actual"
    } >"$list"
    echo "Wrote $list ($(wc -l <"$actual") artifacts)"
    continue
  fi
  expected="$work/$module.expected"
  if [[ -f "$list" ]]; then
    grep -v '^#' "$list" | grep -v '^$' | LC_ALL=C sort -u >"$expected" || true
  else
    : >"$expected"
  fi
  if ! cmp -s "$expected" "$actual"; then
    failed=1
    echo "steadfast-$module: a user's build now resolves other runtime artifacts than dependencies/$module.txt lists:" >&2
    LC_ALL=C comm -13 "$expected" "$actual" | sed 's/^/  + /' >&2
    LC_ALL=C comm -23 "$expected" "$actual" | sed 's/^/  - /' >&2
  fi
done
if [[ "$failed" == 1 ]]; then
  cat >&2 <<TEXT
Every artifact in these lists reaches every user of the module. If the change is intended, update the
lists with
  $update_command
review the diff of dependencies/*.txt and commit it with the change that caused it.
TEXT
  exit 1
fi
if [[ "$update" != true ]]; then
  echo "Dependency lists match what a user's build resolves for ${modules[*]}."
fi
