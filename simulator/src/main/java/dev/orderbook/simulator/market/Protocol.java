package dev.orderbook.simulator.market;

/** The two Coinbase market-data protocols a feed file can be written in (see COINBASE.md). */
public enum Protocol {
    /** Exchange feed ({@code ws-feed.exchange.coinbase.com}): {@code level2_batch} and {@code heartbeat}. */
    EXCHANGE,
    /** Advanced Trade ({@code advanced-trade-ws.coinbase.com}): {@code level2} and {@code heartbeats}. */
    ADVANCED
}
