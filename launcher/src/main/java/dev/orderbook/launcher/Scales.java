package dev.orderbook.launcher;

import java.util.HashMap;
import java.util.Map;

/** Parses {@code PRODUCT=PRICE_SCALE:SIZE_SCALE} options. */
final class Scales {
    private Scales() {
    }

    static Map<String, int[]> parse(final Map<String, String> perProduct) {
        final Map<String, int[]> out = new HashMap<>();
        perProduct.forEach((product, spec) -> {
            final String[] parts = spec.split(":", -1);
            if (parts.length != 2) {
                throw new IllegalArgumentException("scale for " + product + " must be PRICE_SCALE:SIZE_SCALE, was "
                        + spec);
            }
            try {
                out.put(product, new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())});
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("scale for " + product + " must be two integers, was " + spec, e);
            }
        });
        return out;
    }
}
