/**
 * Infrastructure for system tests that run the pipeline as separate JVMs on loopback and inject faults:
 * {@link dev.orderbook.systemtest.ChildJvm} (a process with its output in files, SIGKILL, SIGTERM, SIGSTOP),
 * {@link dev.orderbook.systemtest.TcpProxy} (a partition between a client and its server, cut and restored at
 * will), and a Kafka broker in its own JVM that a proxy can sit in front of and that restarts as the same broker
 * ({@link dev.orderbook.systemtest.BrokerJvm}, {@link dev.orderbook.systemtest.SystemTestBrokerMain}).
 */
package dev.orderbook.systemtest;
