package dev.orderbook.codec.model;

import dev.orderbook.codec.decimal.Decimals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Maps product ids, given as a String or ASCII bytes, to {@link Product}s without allocating on a hit.
 *
 * <p>Two modes: a closed registry knows a fixed set of products and answers {@code null} for any other
 * (an unknown product is bad input); an open registry registers any well-formed id on first sight, up to
 * {@link #MAX_PRODUCTS}, with the default scales or a per-product override.
 *
 * <p>Not thread-safe: one registry per decoding thread.
 */
public final class ProductRegistry {
    /** Upper bound on products in an open registry, so that junk input cannot grow it without limit. */
    public static final int MAX_PRODUCTS = 4096;
    /** Longest product id accepted. Coinbase ids are well under this. */
    public static final int MAX_ID_LENGTH = 32;
    /** Default decimal places for prices and sizes. */
    public static final int DEFAULT_SCALE = 10;

    private final boolean open;
    private final int defaultPriceScale;
    private final int defaultSizeScale;
    private final Map<String, int[]> scaleOverrides;
    private final List<Product> products = new ArrayList<>();
    // Open addressing: slot -> product index + 1 (0 = empty). Power-of-two capacity, load factor <= 0.5.
    private int[] slots = new int[64];

    private ProductRegistry(final boolean open, final int defaultPriceScale, final int defaultSizeScale,
                            final Map<String, int[]> scaleOverrides) {
        Decimals.checkScale(defaultPriceScale);
        Decimals.checkScale(defaultSizeScale);
        // Validated here, at start-up, so that a bad override fails loudly before any message is decoded.
        scaleOverrides.forEach((id, scales) -> {
            if (!isValidProductId(id) || scales == null || scales.length != 2) {
                throw new IllegalArgumentException("scale override needs a product id and {priceScale, sizeScale}: "
                        + id);
            }
            Decimals.checkScale(scales[0]);
            Decimals.checkScale(scales[1]);
        });
        this.open = open;
        this.defaultPriceScale = defaultPriceScale;
        this.defaultSizeScale = defaultSizeScale;
        this.scaleOverrides = Map.copyOf(scaleOverrides);
    }

    /** An open registry with {@link #DEFAULT_SCALE} for prices and sizes. */
    public static ProductRegistry open() {
        return new ProductRegistry(true, DEFAULT_SCALE, DEFAULT_SCALE, Map.of());
    }

    /**
     * An open registry.
     *
     * @param scaleOverrides product id to {@code {priceScale, sizeScale}}; may be empty, not null
     */
    public static ProductRegistry open(final int defaultPriceScale, final int defaultSizeScale,
                                       final Map<String, int[]> scaleOverrides) {
        return new ProductRegistry(true, defaultPriceScale, defaultSizeScale, scaleOverrides);
    }

    /** A closed registry of exactly these products, at the default scales unless overridden. */
    public static ProductRegistry closed(final List<String> productIds, final int defaultPriceScale,
                                         final int defaultSizeScale, final Map<String, int[]> scaleOverrides) {
        final ProductRegistry registry =
                new ProductRegistry(true, defaultPriceScale, defaultSizeScale, scaleOverrides);
        for (final String id : productIds) {
            registry.register(id);
        }
        return new ProductRegistry(registry);
    }

    private ProductRegistry(final ProductRegistry source) {
        this.open = false;
        this.defaultPriceScale = source.defaultPriceScale;
        this.defaultSizeScale = source.defaultSizeScale;
        this.scaleOverrides = source.scaleOverrides;
        this.products.addAll(source.products);
        this.slots = source.slots;
    }

    public boolean isOpen() {
        return open;
    }

    /** Products known so far, in index order. Unmodifiable view. */
    public List<Product> products() {
        return Collections.unmodifiableList(products);
    }

    public int size() {
        return products.size();
    }

    public Product byIndex(final int index) {
        return products.get(index);
    }

    /** Looks up or (open registry) registers a product. Returns null when unknown to a closed registry. */
    public Product get(final String id) {
        final Product known = find(id);
        return known != null ? known : open && isValidProductId(id) ? register(id) : null;
    }

    /** Looks up a product without ever registering one (for queries: a name asked for is no product seen). */
    public Product find(final String id) {
        final int n = id.length();
        int hash = 0;
        for (int i = 0; i < n; i++) {
            hash = 31 * hash + id.charAt(i);
        }
        final int mask = slots.length - 1;
        for (int slot = mix(hash) & mask; ; slot = (slot + 1) & mask) {
            final int entry = slots[slot];
            if (entry == 0) {
                break;
            }
            final Product p = products.get(entry - 1);
            if (p.id().equals(id)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Looks up a product from ASCII bytes, allocating only when an open registry meets a new product.
     *
     * @return the product, or null if the id is malformed, unknown to a closed registry, or the open
     *     registry is full
     */
    public Product get(final byte[] bytes, final int offset, final int length) {
        int hash = 0;
        for (int i = 0; i < length; i++) {
            hash = 31 * hash + (bytes[offset + i] & 0xFF);
        }
        final int mask = slots.length - 1;
        for (int slot = mix(hash) & mask; ; slot = (slot + 1) & mask) {
            final int entry = slots[slot];
            if (entry == 0) {
                break;
            }
            final Product p = products.get(entry - 1);
            if (regionMatches(p.id(), bytes, offset, length)) {
                return p;
            }
        }
        if (!open) {
            return null;
        }
        final String id = new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
        return isValidProductId(id) ? register(id) : null;
    }

    private static boolean regionMatches(final String id, final byte[] bytes, final int offset, final int length) {
        if (id.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (id.charAt(i) != (bytes[offset + i] & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    private Product register(final String id) {
        if (products.size() >= MAX_PRODUCTS) {
            return null;
        }
        final int[] scales = scaleOverrides.get(id);
        final Product product = new Product(id, products.size(),
                scales == null ? defaultPriceScale : scales[0], scales == null ? defaultSizeScale : scales[1]);
        products.add(product);
        if (products.size() * 2 > slots.length) {
            slots = new int[slots.length * 2];
            for (final Product p : products) {
                insert(p);
            }
        } else {
            insert(product);
        }
        return product;
    }

    private void insert(final Product p) {
        final int mask = slots.length - 1;
        int slot = mix(p.id().hashCode()) & mask;
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        slots[slot] = p.index() + 1;
    }

    private static int mix(final int hash) {
        final int h = hash * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    /**
     * A product id is 1 to {@link #MAX_ID_LENGTH} characters of {@code A-Z}, {@code 0-9} and {@code -}, not
     * starting or ending with {@code -}.
     */
    public static boolean isValidProductId(final String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            final char c = id.charAt(i);
            final boolean ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
            if (!ok) {
                return false;
            }
        }
        return id.charAt(0) != '-' && id.charAt(id.length() - 1) != '-';
    }

    @Override
    public String toString() {
        return (open ? "open" : "closed") + Arrays.toString(products.toArray());
    }
}
