# One image for every hfc service; docker-compose.yml picks the subcommand.
# Build stage: the same Maven build as on a developer's machine, tests skipped (CI runs them).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY core/pom.xml core/
COPY local-infra/pom.xml local-infra/
COPY schema/pom.xml schema/
COPY testkit/pom.xml testkit/
COPY producer/pom.xml producer/
COPY segmenter-streams/pom.xml segmenter-streams/
COPY sink/pom.xml sink/
COPY campaign/pom.xml campaign/
COPY harness/pom.xml harness/
COPY service/pom.xml service/
COPY cli/pom.xml cli/
COPY bench/pom.xml bench/
# Dependencies first, so that a source change does not download them again.
RUN mvn -B -q dependency:go-offline -DexcludeReactor=true || true
COPY . .
# Only what the image runs: hfc-service.jar and the modules it is made of; not the demo, the benchmarks or the
# embedded servers they start (cli/target/hfc.jar has those, for a developer's ./hfc).
RUN mvn -B -q -DskipTests package -pl service -am

# Runtime stage: a JRE and the one jar, run as an unprivileged user.
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 hfc && useradd --system --uid 10001 --gid hfc --home-dir /var/lib/hfc --create-home hfc
COPY --from=build /src/service/target/hfc-service.jar /opt/hfc/hfc.jar
USER hfc
WORKDIR /var/lib/hfc
ENV HFC_OPS_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=10s --start-period=60s --retries=3 \
  CMD ["java", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-jar", "/opt/hfc/hfc.jar", "ops-check"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/hfc/hfc.jar"]
CMD ["--help"]
