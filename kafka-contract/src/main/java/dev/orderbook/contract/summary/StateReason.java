package dev.orderbook.contract.summary;

import dev.orderbook.contract.GapReason;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Why a book is not {@link BookState#LIVE}: the summary's {@code state_reason} (null when live) and the
 * {@code /books} answer's. Wire names:
 *
 * <table>
 *   <caption>Reasons</caption>
 *   <tr><th>wire name</th><th>state</th><th>meaning</th><th>until</th></tr>
 *   <tr><td>{@code no-snapshot}</td><td>stale</td><td>updates but no snapshot yet</td><td>a snapshot</td></tr>
 *   <tr><td>{@code gap:<reason>}</td><td>stale</td><td>the ingestor wrote a gap marker ({@link GapReason}, e.g.
 *       {@code gap:disconnect}, {@code gap:startup}; its {@code invalid} and {@code sequence} markers read as
 *       {@code bad-input} and {@code sequence-gap}, named by their cause as the replay of a file names them)</td>
 *       <td>a snapshot</td></tr>
 *   <tr><td>{@code feed-silent}</td><td>stale</td><td>no record of the product (data or liveness) for the
 *       processor's {@code --stale-after}: the ingestor is dead, cut off or stuck</td><td>the next record, if it
 *       continues the sequence (nothing was lost), else a snapshot</td></tr>
 *   <tr><td>{@code product-sequence-jump}</td><td>stale</td><td>the product's {@code ob-product-seq} jumped: records
 *       of it were lost</td><td>a snapshot</td></tr>
 *   <tr><td>{@code session-changed}</td><td>stale</td><td>a record of another ingest session than the one whose
 *       snapshot built the book (another ingestor, or a restart)</td><td>a snapshot</td></tr>
 *   <tr><td>{@code raw-offset-gap}</td><td>stale</td><td>raw offsets jumped: records were deleted (retention)
 *       before the processor read them</td><td>a snapshot</td></tr>
 *   <tr><td>{@code sequence-gap}</td><td>stale</td><td>Advanced Trade {@code sequence_num} jumped</td>
 *       <td>a snapshot</td></tr>
 *   <tr><td>{@code bad-input}</td><td>stale</td><td>a record about the product could not be read (dead-lettered)
 *       </td><td>a snapshot</td></tr>
 *   <tr><td>{@code crossed}</td><td>crossed</td><td>best bid &gt;= best ask</td><td>a snapshot</td></tr>
 * </table>
 *
 * <p>Instances are interned (compare with {@code ==}); the wire bytes are encoded once. Immutable, thread-safe.
 */
public final class StateReason {
    public static final StateReason NO_SNAPSHOT = new StateReason("no-snapshot", false);
    public static final StateReason FEED_SILENT = new StateReason("feed-silent", true);
    public static final StateReason PRODUCT_SEQUENCE_JUMP = new StateReason("product-sequence-jump", false);
    public static final StateReason SESSION_CHANGED = new StateReason("session-changed", false);
    public static final StateReason RAW_OFFSET_GAP = new StateReason("raw-offset-gap", false);
    public static final StateReason SEQUENCE_GAP = new StateReason("sequence-gap", false);
    public static final StateReason BAD_INPUT = new StateReason("bad-input", false);
    public static final StateReason CROSSED = new StateReason("crossed", false);

    private static final Map<GapReason, StateReason> GAPS = new EnumMap<>(GapReason.class);
    private static final Map<String, StateReason> BY_WIRE_NAME = new LinkedHashMap<>();

    static {
        for (final GapReason gap : GapReason.values()) {
            GAPS.put(gap, new StateReason("gap:" + gap.wireName(), false));
        }
        // Named by their cause, whoever noticed it: the replay of a file sees the bad line or the sequence jump
        // itself, the processor sees the ingestor's marker, and both say the same.
        GAPS.put(GapReason.INVALID, BAD_INPUT);
        GAPS.put(GapReason.SEQUENCE, SEQUENCE_GAP);
        for (final StateReason r : new StateReason[] {NO_SNAPSHOT, FEED_SILENT, PRODUCT_SEQUENCE_JUMP,
            SESSION_CHANGED, RAW_OFFSET_GAP, SEQUENCE_GAP, BAD_INPUT, CROSSED}) {
            BY_WIRE_NAME.put(r.wireName, r);
        }
        for (final StateReason r : GAPS.values()) {
            BY_WIRE_NAME.putIfAbsent(r.wireName, r);
        }
    }

    private final String wireName;
    private final byte[] wireBytes;
    private final boolean resumable;
    private final boolean gap;

    private StateReason(final String wireName, final boolean resumable) {
        this.wireName = wireName;
        this.wireBytes = wireName.getBytes(StandardCharsets.US_ASCII);
        this.resumable = resumable;
        this.gap = wireName.startsWith("gap:");
    }

    /** The reason a gap marker gives a book. */
    public static StateReason gap(final GapReason reason) {
        return GAPS.get(reason);
    }

    /**
     * The reason of a wire name, for consumers.
     *
     * @throws IllegalArgumentException for a name this version does not know
     */
    public static StateReason ofWireName(final String name) {
        final StateReason r = BY_WIRE_NAME.get(name);
        if (r == null) {
            throw new IllegalArgumentException("unknown state reason: " + name);
        }
        return r;
    }

    public String wireName() {
        return wireName;
    }

    /** The wire name as ASCII bytes; do not modify. */
    public byte[] wireBytes() {
        return wireBytes;
    }

    /**
     * Whether the book may become live again without a snapshot: only a silence, once the next record proves that
     * nothing was lost meanwhile.
     */
    public boolean isResumable() {
        return resumable;
    }

    /** Whether the ingestor said so with a gap marker (and is already fetching a snapshot). */
    public boolean isGap() {
        return gap;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
