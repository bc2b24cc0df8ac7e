package dev.orderbook.launcher;

import picocli.CommandLine;

/** Reports the version from the jar manifest, or "development" when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        final String v = OrderbookCli.class.getPackage().getImplementationVersion();
        return new String[] {"orderbook " + (v == null ? "development" : v)};
    }
}
