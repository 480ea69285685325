#!/usr/bin/env bash
# Consumer test: the Java client used as another team's Maven project uses it.
#   bash tests/consumers/java.sh PATH/TO/trackd
# Installs dev.trackd:trackd-client:1.0.0 into Maven's local repository by the command
# docs/clients.md gives (which also runs the artifact's JUnit tests), creates a Maven project
# in an empty temporary directory whose pom depends on that artifact alone, and runs the
# documented Main.java (taken from docs/clients.md, so the page cannot drift from what runs)
# against a live trackd: the seed event is accepted and stored, and the violations of a bad
# event print as "field: description".
# On a fresh machine it installs a JDK and Maven and downloads the pinned artifacts first.
set -euo pipefail
TRACKD=$(realpath "${1:?usage: java.sh PATH/TO/trackd}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/interop/trackd_server.sh"
begin_test consumer_java

if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  source "$ROOT/scripts/apt_install.sh"
  apt_install maven openjdk-17-jdk-headless
fi
# Quiet and in batch mode, bounded in time; sed drops the stray colour resets of Maven 3.8,
# and pipefail keeps Maven's exit status.
mvn_quiet() { timeout 600 mvn -q -B "$@" 2>&1 | sed 's/\x1b\[0m//g'; }

# 1. The documented install.
mvn_quiet -f "$ROOT/client/java" install

# 2. A project of its own, outside the repository.
PROJECT="$TMP/consumer"
mkdir -p "$PROJECT/src/main/java"
cat >"$PROJECT/pom.xml" <<'POM'
<project>
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>trackd-consumer</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency>
      <groupId>dev.trackd</groupId>
      <artifactId>trackd-client</artifactId>
      <version>1.0.0</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <artifactId>maven-resources-plugin</artifactId>
        <version>3.3.1</version>
      </plugin>
      <plugin>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.13.0</version>
      </plugin>
      <plugin>
        <groupId>org.codehaus.mojo</groupId>
        <artifactId>exec-maven-plugin</artifactId>
        <version>3.5.0</version>
        <configuration>
          <mainClass>Main</mainClass>
        </configuration>
      </plugin>
    </plugins>
  </build>
</project>
POM
# The ```java block of the Java section of docs/clients.md.
awk '/^## /{java = ($0 == "## Java")} java && /^```/{if (code) exit; code = ($0 == "```java"); next}
     code' "$ROOT/docs/clients.md" >"$PROJECT/src/main/java/Main.java"
grep -q "class Main" "$PROJECT/src/main/java/Main.java" \
  || { echo "no Main.java in the Java section of docs/clients.md"; exit 1; }

# 3. Against a live trackd.
start_trackd "$TRACKD"
# Only standard output is judged: a JVM or gRPC warning on standard error is shown, not compared.
status=0
(cd "$PROJECT" && timeout 600 mvn -q -B compile exec:java "-Dexec.args=127.0.0.1:$PORT") \
  >"$TMP/out" || status=$?
sed -i 's/\x1b\[0m//g' "$TMP/out"
cat "$TMP/out"
[ "$status" -eq 0 ] || { echo "the consumer project failed (mvn exit status $status)"; exit 1; }
check_seed_stored
# The first line names the message_id the client filled in; the rest are the violations, in
# the server's order, and nothing else.
head -n 1 "$TMP/out" \
  | grep -Eqx "accepted [0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}" \
  || { echo "the first line is not 'accepted' with the UUIDv7 the client filled in"; exit 1; }
diff <(tail -n +2 "$TMP/out") - <<'OUT' || { echo "violations differ (< printed, > expected)"; exit 1; }
user_id: is required and must not be empty
account_added_user.user_email: must not contain whitespace
OUT
