package dev.orderbook.simulator.market;

/**
 * What {@link FeedFileGenerator} wrote. Immutable.
 *
 * @param messages       well-formed lines: subscriptions, snapshots, heartbeats and updates
 * @param updateMessages well-formed book update lines ({@code l2update}, or {@code l2_data} updates)
 * @param changes        level changes in the update lines (snapshot levels not counted)
 * @param badLines       malformed lines injected
 * @param bytes          NDJSON bytes, before any compression, line ends included
 * @param fileBytes      bytes written to the file: {@code bytes} unless the file is gzip-compressed
 */
public record FeedFileResult(long messages, long updateMessages, long changes, long badLines, long bytes,
                             long fileBytes) {

    /** Total lines, well-formed and bad. */
    public long lines() {
        return messages + badLines;
    }

    FeedFileResult withFileBytes(final long newFileBytes) {
        return new FeedFileResult(messages, updateMessages, changes, badLines, bytes, newFileBytes);
    }
}
