package dev.orderbook.launcher;

import dev.orderbook.kafka.embedded.StandaloneBroker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./orderbook broker}: a real single-node Kafka broker (KRaft) until Ctrl-C, for trying the services. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = {
            "Runs a real Apache Kafka broker in KRaft mode (single node, broker and controller in one process) on "
                    + "127.0.0.1 until Ctrl-C, and prints its bootstrap address. Nothing to install: the broker runs "
                    + "from the Kafka jars.",
            "Without --dir the log directory is temporary and deleted on exit."})
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--port", paramLabel = "N", description = "Client port (default: a free port).")
    Integer port;

    @Option(names = "--dir", paramLabel = "DIR", description = "Log directory to use and keep (default: temporary).")
    Path dir;

    @Override
    public Integer call() {
        return StandaloneBroker.run(port, dir, System.out);
    }
}
