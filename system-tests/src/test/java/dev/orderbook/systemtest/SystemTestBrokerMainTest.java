package dev.orderbook.systemtest;

import dev.orderbook.kafka.embedded.EmbeddedKafkaBroker;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;

import static org.assertj.core.api.Assertions.assertThat;

class SystemTestBrokerMainTest {

    @Test
    void shouldPrintReadyLineThatItsPatternParses() {
        final String line = SystemTestBrokerMain.readyLine(41235, 41236, 41237, "q1Sh-xyz_AB",
            Path.of("/tmp/a dir/kafka"));

        final Matcher matcher = SystemTestBrokerMain.READY_LINE.matcher(line);

        assertThat(matcher.matches()).as(line).isTrue();
        assertThat(matcher.group("port")).isEqualTo("41235");
        assertThat(SystemTestBrokerMain.parsePort(matcher.group("proxiedPort"))).isEqualTo(41236);
        assertThat(SystemTestBrokerMain.parsePort(matcher.group("advertisedPort"))).isEqualTo(41237);
        assertThat(matcher.group("clusterId")).isEqualTo("q1Sh-xyz_AB");
        assertThat(matcher.group("dir")).isEqualTo("/tmp/a dir/kafka");
    }

    @Test
    void shouldSayNoneForProxiedPortsWithoutProxiedListener() {
        final String line = SystemTestBrokerMain.readyLine(41235, EmbeddedKafkaBroker.NO_PORT,
            EmbeddedKafkaBroker.NO_PORT, "id", Path.of("/tmp/kafka"));

        final Matcher matcher = SystemTestBrokerMain.READY_LINE.matcher(line);

        assertThat(line).contains("proxied-port=none proxy-advertised-port=none");
        assertThat(matcher.matches()).isTrue();
        assertThat(SystemTestBrokerMain.parsePort(matcher.group(2))).isEqualTo(EmbeddedKafkaBroker.NO_PORT);
    }

    @Test
    void shouldRejectProxiedPortWithoutAdvertisedPort() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        final int exit = SystemTestBrokerMain.commandLine(new PrintStream(out, true, StandardCharsets.UTF_8))
            .setErr(new PrintWriter(new ByteArrayOutputStream(), true))
            .execute("--proxied-port", "0");

        assertThat(exit).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void shouldRejectReservedBrokerProperty() {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();

        final int exit = SystemTestBrokerMain.commandLine(System.out)
            .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8))
            .execute("--broker-property", "listeners=PLAINTEXT://0.0.0.0:9092");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("listeners");
    }
}
