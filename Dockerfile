# The orderbook image: one image, every command (ingest, process, simulate, replay, ...).
#   docker build -t orderbook .
#   docker run --rm orderbook --help
#
# Base images are pinned to exact versions. Their digests could not be verified where this file was written (no
# registry access): the release pipeline should pin them as tag@sha256:... (docker buildx imagetools inspect TAG)
# and keep them current.
FROM maven:3.9.11-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -Dmaven.test.skip=true package -pl launcher -am

# The runtime: a JRE only, no build tools, no shell needed by the entrypoint.
FROM eclipse-temurin:17.0.17_10-jre
WORKDIR /app
COPY --from=build /src/launcher/target/orderbook.jar /app/orderbook.jar
COPY --from=build /src/launcher/target/lib /app/lib
# Kafka Streams state lives here (mount a volume); the process runs as the numeric user 10001, group 10001, which
# owns nothing else (the application files stay root's, read-only). The root filesystem may be read-only: the JVM
# needs only a writable /tmp (Kubernetes: an emptyDir; Compose: a tmpfs).
RUN mkdir -p /state && chown 10001:10001 /state
USER 10001:10001
# The heap as a share of the container's memory limit; a pod or compose file may set JAVA_TOOL_OPTIONS itself (it
# replaces this). The entrypoint below does not set MaxRAMPercentage, or it would win over JAVA_TOOL_OPTIONS.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=70"
# ExitOnOutOfMemoryError: a process that ran out of memory exits (non-zero) and is restarted, never limps on.
ENTRYPOINT ["java", "-XX:+UseParallelGC", "-XX:+ExitOnOutOfMemoryError", "-cp", "/app/orderbook.jar:/app/lib/*", \
            "dev.orderbook.launcher.OrderbookCli"]
CMD ["--help"]
