package dev.orderbook.book.processor;

import dev.orderbook.contract.DeadLetterReason;
import dev.orderbook.contract.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * Forwards a raw record the processor cannot apply to the dead-letter sink, bytes and headers as they came, with the
 * reason, a detail and the source in the DLQ headers ({@link Header#DLQ_REASON}...), and counts it by reason.
 */
final class DeadLetters {
    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);
    private static final byte[] SOURCE = "processor".getBytes(StandardCharsets.UTF_8);

    private final ProcessorContext<byte[], byte[]> context;
    private final String child;
    private final ProcessorMetrics metrics;

    DeadLetters(final ProcessorContext<byte[], byte[]> context, final String child, final ProcessorMetrics metrics) {
        this.context = context;
        this.child = child;
        this.metrics = metrics;
    }

    void send(final Record<byte[], byte[]> record, final DeadLetterReason reason, final String detail) {
        final Headers headers = new RecordHeaders(record.headers().toArray());
        headers.remove(Header.DLQ_REASON.key()).remove(Header.DLQ_DETAIL.key()).remove(Header.DLQ_SOURCE.key());
        headers.add(Header.DLQ_REASON.key(), reason.name().getBytes(StandardCharsets.UTF_8));
        headers.add(Header.DLQ_DETAIL.key(), String.valueOf(detail).getBytes(StandardCharsets.UTF_8));
        headers.add(Header.DLQ_SOURCE.key(), SOURCE);
        context.forward(new Record<>(record.key(), record.value(), record.timestamp(), headers), child);
        metrics.dlq(reason.name());
        if (log.isDebugEnabled()) {
            log.debug("Dead letter. reason=[{}] detail=[{}] offset=[{}]", reason, detail,
                    context.recordMetadata().map(RecordMetadata::offset).orElse(-1L));
        }
    }
}
