package dev.orderbook.book.replay;

import dev.orderbook.book.engine.EngineStats;

import java.util.Locale;

/**
 * The outcome of a replay: the engine's counters, bad lines, and timing.
 *
 * @param seconds from the first line read to the last line written (JVM start excluded)
 */
public record ReplayStats(long lines, long badLines, EngineStats engine, double seconds) {

    public double changesPerSecond() {
        return seconds > 0 ? engine.changes / seconds : 0;
    }

    /**
     * The one-line summary printed last on stderr, in key=value form. The first six keys are the documented
     * contract; more may follow.
     */
    public String toStatsLine() {
        return String.format(Locale.ROOT,
                "messages=%d changes=%d bad_lines=%d crossed=%d seconds=%.3f changes_per_sec=%.0f"
                        + " snapshot_levels=%d summaries=%d alerts=%d gaps=%d sequence_gaps=%d skipped_updates=%d"
                        + " stale_by_bad_input=%d",
                engine.messages, engine.changes, badLines, engine.crossed, seconds, changesPerSecond(),
                engine.snapshotLevels, engine.summaries, engine.alerts, engine.gapMarkers, engine.sequenceGaps,
                engine.skippedUpdates, engine.staleByBadInput);
    }
}
