package dev.orderbook.ingestor.publish;

import dev.orderbook.codec.RawMarkers;
import dev.orderbook.contract.DeadLetterReason;
import dev.orderbook.contract.GapReason;
import dev.orderbook.contract.Header;

import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The headers and values of the records the ingestor writes, in one place (the raw-topic contract of DESIGN.md):
 * every raw record carries its receive time, session, leadership epoch, position in the session and its product's
 * sequence number; a gap marker is the codec's marker JSON; a dead letter carries the reason, a detail and its
 * source. Stateless.
 */
final class RawRecords {
    private static final byte[] DLQ_SOURCE = "ingestor".getBytes(StandardCharsets.UTF_8);

    private RawRecords() {
    }

    /** The value of the leadership-epoch header, made once per publisher. */
    static byte[] epoch(final long leaderEpoch) {
        return Header.longHeader(leaderEpoch);
    }

    /**
     * Headers of a raw record.
     *
     * @param epoch      {@link #epoch(long)} of the publisher's leadership term
     * @param sessionSeq the frame's number in its session (0 for the ingestor's own records, which come from no
     *                   frame: markers, liveness)
     * @param productSeq the record's number among its product's records in the session; 0 for none (dead letters)
     */
    static RecordHeaders headers(final byte[] epoch, final String sessionId, final long sessionSeq,
                                 final long productSeq, final long receiveEpochNs) {
        final RecordHeaders headers = new RecordHeaders();
        headers.add(Header.RECEIVE_TIME_NS.key(), Header.longHeader(receiveEpochNs));
        headers.add(Header.SESSION_ID.key(), sessionId.getBytes(StandardCharsets.UTF_8));
        headers.add(Header.LEADER_EPOCH.key(), epoch);
        if (sessionSeq > 0) {
            headers.add(Header.SESSION_SEQ.key(), Header.longHeader(sessionSeq));
        }
        if (productSeq > 0) {
            headers.add(Header.PRODUCT_SEQ.key(), Header.longHeader(productSeq));
        }
        return headers;
    }

    /** Adds the dead-letter headers. */
    static RecordHeaders deadLetter(final RecordHeaders headers, final DeadLetterReason reason, final String detail) {
        headers.add(Header.DLQ_REASON.key(), reason.name().getBytes(StandardCharsets.UTF_8));
        headers.add(Header.DLQ_DETAIL.key(), String.valueOf(detail).getBytes(StandardCharsets.UTF_8));
        headers.add(Header.DLQ_SOURCE.key(), DLQ_SOURCE);
        return headers;
    }

    /** A gap marker's value, timed {@code epochNs}. */
    static byte[] gapMarker(final String productId, final GapReason reason, final long epochNs) {
        return RawMarkers.gap(productId, reason.wireName(), Instant.ofEpochSecond(0, epochNs).toString());
    }
}
