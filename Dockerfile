# The orderbook image: one image, every command (ingest, process, simulate, replay, ...).
#   docker build -t orderbook .
#   docker run --rm orderbook --help
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -Dmaven.test.skip=true package -pl launcher -am

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/launcher/target/orderbook.jar /app/orderbook.jar
COPY --from=build /src/launcher/target/lib /app/lib
# Kafka Streams state lives here (mount a volume).
RUN mkdir -p /state && chown 10001 /state
USER 10001
# ExitOnOutOfMemoryError: a process that ran out of memory exits (non-zero) and is restarted, never limps on.
ENTRYPOINT ["java", "-XX:+UseParallelGC", "-XX:+ExitOnOutOfMemoryError", "-XX:MaxRAMPercentage=75", "-cp", "/app/orderbook.jar:/app/lib/*", \
            "dev.orderbook.launcher.OrderbookCli"]
CMD ["--help"]
