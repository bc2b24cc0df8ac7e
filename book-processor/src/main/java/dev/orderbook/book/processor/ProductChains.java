package dev.orderbook.book.processor;

import java.util.Arrays;

/**
 * Where each product's chain of raw records stands: the ingest session ({@code ob-session-id}) and product sequence
 * ({@code ob-product-seq}) of its last record. A chain starts at a snapshot or a gap marker; every later record of the
 * product must carry the same session and the next number, or records were lost (a jump), or came from another
 * ingestor or an earlier run (another session) since the snapshot the book was built on. The chain also keeps the
 * leadership epoch ({@code ob-leader-epoch}) of its session, so that a deposed ingestor's late records can be told
 * from its successor's.
 *
 * <p>By product index (the task's registry); the session bytes are compared as they are, without decoding. One per
 * task; single thread (the stream thread).
 */
final class ProductChains {
    /** How a record relates to its product's chain. */
    enum Verdict {
        /** Same session, next number: nothing was lost. */
        CONTINUES,
        /** Same session, another number: records of the product were lost (or repeated). */
        SEQUENCE_JUMP,
        /** Another session than the chain's. */
        SESSION_CHANGED,
        /** The product has no chain yet (no record of it seen). */
        NO_CHAIN
    }

    private byte[][] sessions = new byte[16][];
    private long[] sequences = new long[16];
    private long[] epochs = new long[16];

    /** Where the chain of a product stands: its last record's session (null for none) and number. */
    byte[] session(final int product) {
        return product < sessions.length ? sessions[product] : null;
    }

    long sequence(final int product) {
        return product < sequences.length ? sequences[product] : 0;
    }

    /** The leadership epoch of the chain's session (0 for none). */
    long epoch(final int product) {
        return product < epochs.length ? epochs[product] : 0;
    }

    /** Compares a record with its product's chain, and moves the chain to it whatever the verdict. */
    Verdict follow(final int product, final byte[] session, final long sequence, final long epoch) {
        ensure(product);
        final byte[] current = sessions[product];
        final Verdict verdict;
        if (current == null) {
            verdict = Verdict.NO_CHAIN;
        } else if (!Arrays.equals(current, session)) {
            verdict = Verdict.SESSION_CHANGED;
        } else if (sequence != sequences[product] + 1) {
            verdict = Verdict.SEQUENCE_JUMP;
        } else {
            verdict = Verdict.CONTINUES;
        }
        if (verdict != Verdict.CONTINUES) {
            sessions[product] = session;
            epochs[product] = epoch;
        }
        sequences[product] = sequence;
        return verdict;
    }

    /** Starts the product's chain at this record (a snapshot or a gap marker), or restores it. */
    void restart(final int product, final byte[] session, final long sequence, final long epoch) {
        ensure(product);
        sessions[product] = session;
        sequences[product] = sequence;
        epochs[product] = epoch;
    }

    void clear() {
        Arrays.fill(sessions, null);
        Arrays.fill(sequences, 0);
        Arrays.fill(epochs, 0);
    }

    private void ensure(final int product) {
        if (product >= sessions.length) {
            final int capacity = Math.max(sessions.length * 2, product + 1);
            sessions = Arrays.copyOf(sessions, capacity);
            sequences = Arrays.copyOf(sequences, capacity);
            epochs = Arrays.copyOf(epochs, capacity);
        }
    }
}
