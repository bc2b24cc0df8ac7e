package dev.orderbook.book;

import org.apache.kafka.streams.state.internals.BlockBasedTableConfigWithAccessibleCache;
import org.junit.jupiter.api.Test;
import org.rocksdb.Options;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The checkpoint store's RocksDB options, on RocksDB's own {@link Options}. */
class CheckpointStoreRocksDbTest {
    @Test
    void shouldBoundTheCheckpointStoresMemtablesAndBlockCache() {
        try (Options options = kafkaStreamsDefaults()) {
            final CheckpointStoreRocksDb setter = new CheckpointStoreRocksDb();
            setter.setConfig(BookProcessorConfig.CHECKPOINT_STORE_NAME, options, Map.of());
            assertThat(options.writeBufferSize()).isEqualTo(CheckpointStoreRocksDb.WRITE_BUFFER_BYTES);
            assertThat(options.maxWriteBufferNumber()).isEqualTo(CheckpointStoreRocksDb.WRITE_BUFFERS);
            assertThat(((BlockBasedTableConfigWithAccessibleCache) options.tableFormatConfig()).blockCache())
                    .isNotNull();
            setter.close(BookProcessorConfig.CHECKPOINT_STORE_NAME, options);
        }
    }

    @Test
    void shouldLeaveOtherStoresAsKafkaStreamsConfiguresThem() {
        try (Options options = kafkaStreamsDefaults()) {
            final long writeBuffer = options.writeBufferSize();
            final int buffers = options.maxWriteBufferNumber();
            final CheckpointStoreRocksDb setter = new CheckpointStoreRocksDb();
            setter.setConfig("books", options, Map.of());
            assertThat(options.writeBufferSize()).isEqualTo(writeBuffer);
            assertThat(options.maxWriteBufferNumber()).isEqualTo(buffers);
            setter.close("books", options);
        }
    }

    /** Options as Kafka Streams hands them to a setter: its table config class, a cache not yet set. */
    private static Options kafkaStreamsDefaults() {
        final Options options = new Options();
        options.setTableFormatConfig(new BlockBasedTableConfigWithAccessibleCache());
        options.setWriteBufferSize(16L * 1024 * 1024);
        options.setMaxWriteBufferNumber(3);
        return options;
    }
}
