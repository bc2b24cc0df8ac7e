package dev.orderbook.launcher;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * A hand-written SVG of {@code bench latency}'s results: latency (ms, log scale) against the offered rate (level
 * changes per second, log scale), one polyline per percentile (p50, p99, p99.9, max), optionally a dashed target line.
 */
final class LatencyPlot {
    private static final int W = 720;
    private static final int H = 440;
    private static final int LEFT = 80;
    private static final int RIGHT = 170;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;

    private record Series(String name, String color, ToDoubleFunction<LatencyBench.Result> value) {
    }

    private static final List<Series> SERIES = List.of(
            new Series("p50", "#1f77b4", LatencyBench.Result::p50),
            new Series("p99", "#ff7f0e", LatencyBench.Result::p99),
            new Series("p99.9", "#2ca02c", LatencyBench.Result::p999),
            new Series("max", "#d62728", LatencyBench.Result::max));

    private LatencyPlot() {
    }

    /**
     * @param title    the plot's title
     * @param results  one per offered rate, in any order
     * @param targetMs a p99 target to draw as a dashed line, or NaN for none
     */
    static String svg(final String title, final List<LatencyBench.Result> results, final double targetMs) {
        final List<LatencyBench.Result> sorted = results.stream()
                .sorted(java.util.Comparator.comparingInt(LatencyBench.Result::offeredChangesPerSec)).toList();
        double xMin = sorted.get(0).offeredChangesPerSec();
        double xMax = sorted.get(sorted.size() - 1).offeredChangesPerSec();
        double yMin = Double.MAX_VALUE;
        double yMax = 0;
        for (final LatencyBench.Result r : sorted) {
            for (final Series s : SERIES) {
                final double v = Math.max(0.01, s.value().applyAsDouble(r));
                yMin = Math.min(yMin, v);
                yMax = Math.max(yMax, v);
            }
        }
        if (!Double.isNaN(targetMs)) {
            yMin = Math.min(yMin, targetMs);
            yMax = Math.max(yMax, targetMs);
        }
        // Whole decades around the data.
        final double lxMin = Math.floor(Math.log10(xMin));
        final double lxMax = Math.max(lxMin + 1, Math.ceil(Math.log10(xMax)));
        final double lyMin = Math.floor(Math.log10(yMin));
        final double lyMax = Math.max(lyMin + 1, Math.ceil(Math.log10(yMax)));
        final double plotW = W - LEFT - RIGHT;
        final double plotH = H - TOP - BOTTOM;
        final java.util.function.DoubleUnaryOperator x = v -> LEFT + (Math.log10(v) - lxMin) / (lxMax - lxMin) * plotW;
        final java.util.function.DoubleUnaryOperator y = v -> TOP + plotH
                - (Math.log10(Math.max(0.01, v)) - lyMin) / (lyMax - lyMin) * plotH;
        final StringBuilder svg = new StringBuilder();
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.append(f("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H));
        svg.append(f("<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H));
        svg.append(f("<text x=\"%d\" y=\"24\" font-size=\"15\" font-weight=\"bold\">%s</text>\n", LEFT, esc(title)));
        // Grid and ticks: every decade, and 2 and 5 within it.
        for (double d = lyMin; d <= lyMax; d++) {
            for (final int m : new int[] {1, 2, 5}) {
                final double v = m * Math.pow(10, d);
                if (Math.log10(v) > lyMax + 1e-9) {
                    continue;
                }
                final double py = y.applyAsDouble(v);
                svg.append(f("<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", LEFT, py,
                        LEFT + plotW, py, m == 1 ? "#bbb" : "#eee"));
                svg.append(f("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", LEFT - 6, py + 4,
                        number(v)));
            }
        }
        for (double d = lxMin; d <= lxMax; d++) {
            for (final int m : new int[] {1, 2, 5}) {
                final double v = m * Math.pow(10, d);
                if (Math.log10(v) > lxMax + 1e-9) {
                    continue;
                }
                final double px = x.applyAsDouble(v);
                svg.append(f("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", px, TOP, px,
                        TOP + plotH, m == 1 ? "#bbb" : "#eee"));
                svg.append(f("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", px, TOP + plotH + 18,
                        number(v)));
            }
        }
        svg.append(f("<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"black\"/>\n",
                LEFT, TOP, plotW, plotH));
        svg.append(f("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">offered rate, level changes per second "
                + "(log scale)</text>\n", LEFT + plotW / 2, H - 16));
        svg.append(f("<text x=\"20\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 20 %.1f)\">"
                + "end-to-end latency, ms (log scale)</text>\n", TOP + plotH / 2, TOP + plotH / 2));
        if (!Double.isNaN(targetMs)) {
            final double py = y.applyAsDouble(targetMs);
            svg.append(f("<line class=\"target\" x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\" "
                    + "stroke-dasharray=\"6 4\"/>\n", LEFT, py, LEFT + plotW, py));
            svg.append(f("<text x=\"%.1f\" y=\"%.1f\">p99 target %s ms</text>\n", LEFT + plotW + 8, py + 4,
                    number(targetMs)));
        }
        int legend = 0;
        for (final Series s : SERIES) {
            final StringBuilder points = new StringBuilder();
            for (final LatencyBench.Result r : sorted) {
                if (points.length() > 0) {
                    points.append(' ');
                }
                points.append(f("%.1f,%.1f", x.applyAsDouble(r.offeredChangesPerSec()),
                        y.applyAsDouble(s.value().applyAsDouble(r))));
            }
            svg.append(f("<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>\n",
                    s.name(), s.color(), points));
            for (final LatencyBench.Result r : sorted) {
                svg.append(f("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s at %d changes/s: "
                                + "%.2f ms</title></circle>\n", x.applyAsDouble(r.offeredChangesPerSec()),
                        y.applyAsDouble(s.value().applyAsDouble(r)), s.color(), s.name(), r.offeredChangesPerSec(),
                        s.value().applyAsDouble(r)));
            }
            final double ly = TOP + 10 + legend++ * 20;
            svg.append(f("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                    LEFT + plotW + 10, ly, LEFT + plotW + 34, ly, s.color()));
            svg.append(f("<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", LEFT + plotW + 40, ly + 4, s.name()));
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static String number(final double v) {
        if (v >= 1) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, "%s", new java.math.BigDecimal(v).round(new java.math.MathContext(1))
                .stripTrailingZeros().toPlainString());
    }

    private static String f(final String format, final Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    private static String esc(final String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
