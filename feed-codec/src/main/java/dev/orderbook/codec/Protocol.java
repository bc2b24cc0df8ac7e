package dev.orderbook.codec;

/** The two Coinbase market-data WebSocket protocols (see shared/COINBASE.md). */
public enum Protocol {
    /** Exchange feed: {@code wss://ws-feed.exchange.coinbase.com}, channels {@code level2_batch} + {@code heartbeat}. */
    EXCHANGE("exchange"),
    /** Advanced Trade: {@code wss://advanced-trade-ws.coinbase.com}, channels {@code level2} + {@code heartbeats}. */
    ADVANCED("advanced");

    private final String cliName;

    Protocol(final String cliName) {
        this.cliName = cliName;
    }

    /** Lower-case name used on command lines and in configuration. */
    public String cliName() {
        return cliName;
    }

    public static Protocol ofCliName(final String name) {
        for (final Protocol p : values()) {
            if (p.cliName.equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown protocol '" + name + "', expected exchange or advanced");
    }
}
