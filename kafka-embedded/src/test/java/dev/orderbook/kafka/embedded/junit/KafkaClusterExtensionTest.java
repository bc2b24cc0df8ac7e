package dev.orderbook.kafka.embedded.junit;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaClusterExtensionTest {

    @Test
    void uniqueTopicNameShouldNeverRepeatAndKeepPrefix() {
        final Set<String> names = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            names.add(KafkaClusterExtension.uniqueTopicName("l2-updates"));
        }

        assertThat(names).hasSize(1_000).allMatch(name -> name.matches("l2-updates-\\d+-[0-9a-z]+"));
    }

    @Test
    void uniqueTopicNameShouldRejectIllegalPrefix() {
        assertThatThrownBy(() -> KafkaClusterExtension.uniqueTopicName("l2 updates"))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KafkaClusterExtension.uniqueTopicName(""))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KafkaClusterExtension.uniqueTopicName(null))
            .isInstanceOf(IllegalArgumentException.class);
    }
}
