package dev.orderbook.systemtest;

import org.junit.jupiter.api.TestInfo;

/** The names under which a test's child JVMs write their output: {@code TestClass.testMethod}. */
final class TestNames {

    private TestNames() {
    }

    static String of(final TestInfo test) {
        return test.getTestClass().orElseThrow().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName();
    }
}
