package dev.orderbook.book.processor;

import dev.orderbook.contract.summary.BookState;
import dev.orderbook.contract.summary.StateReason;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The books this instance's tasks hold in memory, for queries ({@code /books}): each task registers itself while it
 * runs, and answers with a consistent copy of a book's top levels, taken between two records under the task's lock.
 * A query costs O(depth) plus one lock hand-over, never a scan of the store, and never touches a book while the
 * stream thread changes it.
 *
 * <p>Thread-safe.
 */
public final class LocalBooks {
    /**
     * A copy of the top of one book.
     *
     * @param bidPrices best first, {@code bidCount} of them (ticks at {@code priceScale}); sizes in lots at
     *                  {@code sizeScale}
     * @param bidLevels all levels of the side, not only those copied
     */
    public record BookView(String productId, BookState state, StateReason reason, int priceScale, int sizeScale,
                           long[] bidPrices, long[] bidSizes, int bidCount, long[] askPrices, long[] askSizes,
                           int askCount, int bidLevels, int askLevels) {
    }

    /** A task's books. */
    interface Source {
        /** A copy of the product's top {@code depth} levels per side, or null if this task has no such book. */
        BookView view(String productId, int depth);
    }

    private final Set<Source> sources = ConcurrentHashMap.newKeySet();

    void register(final Source source) {
        sources.add(source);
    }

    void unregister(final Source source) {
        sources.remove(source);
    }

    /** The product's book as held by one of this instance's tasks, or null if none holds it now. */
    public BookView view(final String productId, final int depth) {
        for (final Source source : sources) {
            final BookView view = source.view(productId, depth);
            if (view != null) {
                return view;
            }
        }
        return null;
    }
}
