# Sourced by the run-*.sh scripts: builds the bench module from the repository root and sets CP (its
# classpath) and SPARK_OPENS (the --add-opens Spark needs on Java 17).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -B -q -DskipTests -Dspotless.check.skip -Dcheckstyle.skip -pl bench -am package
CP="bench/target/classes:$(cat bench/target/classpath.txt)"
SPARK_OPENS=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED)
