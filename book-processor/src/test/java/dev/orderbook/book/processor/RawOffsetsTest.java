package dev.orderbook.book.processor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RawOffsetsTest {
    private final RawOffsets offsets = new RawOffsets();

    @Test
    void shouldSeeNoHoleAtAPartitionsFirstRecordOrItsNext() {
        assertThat(offsets.read(3, 500)).isZero();
        assertThat(offsets.read(3, 501)).isZero();
        assertThat(offsets.read(0, 7)).as("another partition starts its own count").isZero();
    }

    @Test
    void shouldCountTheOffsetsSkippedSinceTheLastRecordOfThePartition() {
        offsets.read(1, 10);
        offsets.read(2, 10);
        assertThat(offsets.read(1, 15)).isEqualTo(4);
        assertThat(offsets.read(2, 11)).isZero();
        assertThat(offsets.read(1, 16)).isZero();
    }

    @Test
    void shouldForgetEveryPartitionWhenCleared() {
        offsets.read(0, 10);
        offsets.clear();
        assertThat(offsets.read(0, 99)).isZero();
    }
}
