package dev.orderbook.simulator.market.protocol;

/**
 * Receives encoded messages, one complete JSON text per call, without a line terminator.
 *
 * <p>The message is only valid during the call: encoders reuse their buffer, so a sink that keeps it must copy
 * it. Called on the encoder's thread.
 */
@FunctionalInterface
public interface MessageSink {
    /** @param message one JSON message (US-ASCII), never null */
    void accept(CharSequence message);
}
