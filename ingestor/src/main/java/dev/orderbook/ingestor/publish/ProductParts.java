package dev.orderbook.ingestor.publish;

import dev.orderbook.codec.FeedMessage;
import dev.orderbook.codec.Protocol;
import dev.orderbook.codec.model.Product;

import java.util.Arrays;

/**
 * Cuts a decoded book frame into one record value per product, the raw-topic contract: an Exchange message concerns
 * one product and goes as it is; an Advanced Trade message whose events concern several products becomes one copy
 * per product holding the envelope byte for byte and only that product's events, byte for byte and in their
 * original order (only the separators between the kept events are rewritten). A message of one product goes as it
 * is, never rewritten. Works from the decoded view's byte spans: the JSON is not read again.
 *
 * <p>Reused from frame to frame; the values of a split message are new arrays (records keep them). Single thread.
 */
final class ProductParts {
    private int count;
    private Product[] products = new Product[4];
    private byte[][] values = new byte[4][];

    /** Number of parts of the last {@link #cut}. */
    int count() {
        return count;
    }

    Product product(final int part) {
        return products[part];
    }

    byte[] value(final int part) {
        return values[part];
    }

    /**
     * Cuts a {@link dev.orderbook.codec.MessageKind#BOOK} message.
     *
     * @param bytes the frame the message was decoded from
     * @return the number of parts, one per product in order of first appearance
     */
    int cut(final FeedMessage m, final byte[] bytes) {
        count = 0;
        if (m.protocol() == Protocol.EXCHANGE || singleProduct(m)) {
            add(m.eventProduct(0), bytes);
            return count;
        }
        for (int e = 0; e < m.eventCount(); e++) {
            final Product product = m.eventProduct(e);
            if (indexOf(product) < 0) {
                add(product, copyFor(m, bytes, product));
            }
        }
        return count;
    }

    private static boolean singleProduct(final FeedMessage m) {
        final Product first = m.eventProduct(0);
        for (int e = 1; e < m.eventCount(); e++) {
            if (m.eventProduct(e) != first) {
                return false;
            }
        }
        return true;
    }

    /** The envelope up to and including {@code [}, the product's events joined by commas, then {@code ]...}. */
    private static byte[] copyFor(final FeedMessage m, final byte[] bytes, final Product product) {
        final int open = m.eventsArrayOpen();
        final int close = m.eventsArrayClose();
        int length = open + 1 + (bytes.length - close);
        int kept = 0;
        for (int e = 0; e < m.eventCount(); e++) {
            if (m.eventProduct(e) == product) {
                length += m.eventJsonEnd(e) - m.eventJsonStart(e) + (kept++ > 0 ? 1 : 0);
            }
        }
        final byte[] out = new byte[length];
        System.arraycopy(bytes, 0, out, 0, open + 1);
        int at = open + 1;
        boolean first = true;
        for (int e = 0; e < m.eventCount(); e++) {
            if (m.eventProduct(e) == product) {
                if (!first) {
                    out[at++] = ',';
                }
                first = false;
                final int n = m.eventJsonEnd(e) - m.eventJsonStart(e);
                System.arraycopy(bytes, m.eventJsonStart(e), out, at, n);
                at += n;
            }
        }
        System.arraycopy(bytes, close, out, at, bytes.length - close);
        return out;
    }

    private int indexOf(final Product product) {
        for (int i = 0; i < count; i++) {
            if (products[i] == product) {
                return i;
            }
        }
        return -1;
    }

    private void add(final Product product, final byte[] value) {
        if (count == products.length) {
            products = Arrays.copyOf(products, count * 2);
            values = Arrays.copyOf(values, count * 2);
        }
        products[count] = product;
        values[count] = value;
        count++;
    }
}
