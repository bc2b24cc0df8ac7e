package dev.orderbook.book;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;

import java.util.Map;

/**
 * RocksDB's memory for the checkpoint store, bounded: the store holds one entry per task, written once per checkpoint
 * interval and read once per start, so Kafka Streams' defaults (a 50 MiB block cache and up to three 16 MiB memtables
 * per store, that is per task) would only reserve room a processor's memory limit must allow for. Here: two memtables
 * of {@link #WRITE_BUFFER_BYTES} and a block cache of {@link #BLOCK_CACHE_BYTES} per task. Other RocksDB stores (the
 * {@code rocksdb_cached} layout's level store) keep Kafka Streams' defaults. Kafka Streams makes one instance per
 * store.
 */
public final class CheckpointStoreRocksDb implements RocksDBConfigSetter {
    public static final long WRITE_BUFFER_BYTES = 4L * 1024 * 1024;
    public static final int WRITE_BUFFERS = 2;
    public static final long BLOCK_CACHE_BYTES = 4L * 1024 * 1024;

    private Cache cache;

    @Override
    public void setConfig(final String storeName, final Options options, final Map<String, Object> configs) {
        if (!BookProcessorConfig.CHECKPOINT_STORE_NAME.equals(storeName)) {
            return;
        }
        cache = new LRUCache(BLOCK_CACHE_BYTES);
        final BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache);
        options.setTableFormatConfig(table);
        options.setWriteBufferSize(WRITE_BUFFER_BYTES);
        options.setMaxWriteBufferNumber(WRITE_BUFFERS);
    }

    @Override
    public void close(final String storeName, final Options options) {
        if (cache != null) {
            cache.close();
            cache = null;
        }
    }
}
