package dev.orderbook.ingestor.service;

import dev.orderbook.contract.KafkaAccessErrors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which of the ingestors for the same products publishes: exactly one, fenced through Kafka. Every ingestor joins one
 * consumer group on the control topic, which has a single partition; the group coordinator gives it to one member,
 * the active ingestor, and the others stand by. When the active one dies, the coordinator notices within the session
 * timeout and gives the partition to a standby; when it stops cleanly it leaves the group and a standby takes over at
 * once.
 *
 * <p>Lease. Owning the partition is not proof enough by itself: a process paused or cut off from the coordinator
 * still believes it owns it while the coordinator has given it away. So the active ingestor renews a lease: every
 * {@code renewInterval} it commits its control-topic position synchronously, which the coordinator accepts only from
 * the partition's owner in the current generation. The lease runs {@code leaseDuration} (shorter than the session
 * timeout) from the start of the last accepted commit; the publishing path checks {@link #holdsLease()} and stops the
 * moment it lapses, before any other ingestor can have been given the partition. A lapse ends the term for good: the
 * ingestor is deposed (it stops its feed), and is elected anew (startup markers, a new session) only after a commit
 * accepted later, so nothing it dropped meanwhile can pass unmarked.
 *
 * <p>Epoch. Each election carries the group's generation, which every rebalance raises: the ingestor stamps it on
 * every record ({@code ob-leader-epoch}), and the processor refuses records of an older epoch than its product's
 * chain while that chain is alive. That fences what the lease cannot: records a deposed ingestor had already put on
 * the wire when it closed its producer.
 *
 * <p>The same partition carries the processor's requests (fresh snapshots); the active ingestor reads them.
 *
 * <p>Threading: one thread ({@code ingestor-leadership}) polls, renews and calls the {@link Listener}, in order.
 * {@link #holdsLease()} and {@link #isActive()} may be called from any thread.
 */
final class Leadership implements AutoCloseable {
    /** Broker default minimum for {@code group.min.session.timeout.ms}. */
    static final Duration SESSION_TIMEOUT_DEFAULT = Duration.ofSeconds(6);
    private static final Logger log = LoggerFactory.getLogger(Leadership.class);
    private static final Duration POLL = Duration.ofMillis(200);

    /** Told about elections and requests, on the leadership thread. */
    interface Listener {
        /**
         * This ingestor now owns the partition: it must start publishing (startup markers first).
         *
         * @param epoch the group's generation now: higher than that of any ingestor elected before
         */
        void elected(long epoch);

        /** This ingestor no longer publishes (partition revoked or lost, or the lease lapsed): stop at once. */
        void deposed(String why);

        /** A control record, while active. */
        void request(ConsumerRecord<byte[], byte[]> record);

        /** The leadership thread failed (a bug, or a listener's error): the ingestor cannot go on. */
        void failed(Throwable error);
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition partition;
    private final String groupId;
    private final Listener listener;
    private final long leaseNs;
    private final long renewNs;
    private final Thread thread;
    /** The partition is assigned to this member (leadership thread writes). */
    private volatile boolean owns;
    /** Elected and not deposed since. */
    private volatile boolean active;
    /** Someone saw the lease lapse during this term: the term is over, whatever a later renewal says. */
    private volatile boolean lapsed;
    private volatile long leaseFromNs;
    private volatile long lastLoopNs = System.nanoTime();
    private volatile boolean closed;
    private long lastRenewNs;
    private long deposedNs = Long.MIN_VALUE;

    /**
     * @param clientProperties the Kafka client properties (bootstrap, security); group settings are added here
     * @param sessionTimeout   how long the coordinator waits for a silent member; the failover time is about this
     */
    Leadership(final Map<String, Object> clientProperties, final String controlTopic, final String groupId,
               final Duration sessionTimeout, final Listener listener) {
        final Map<String, Object> p = new HashMap<>(clientProperties);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        // The classic protocol lets the client set its session timeout; the new one takes the broker's (45 s).
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) sessionTimeout.toMillis());
        // Cooperative: a standby joining (or leaving) must not take the partition from the active ingestor even for a
        // moment; an eager rebalance would revoke it, stop its feed and elect it anew.
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(100, sessionTimeout.toMillis() / 6));
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Requests made while no ingestor ran are moot: a new active ingestor snapshots every product anyway.
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        // The processor writes requests in its exactly-once transactions.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        // An operator's client.id (quotas, monitoring) wins.
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "orderbook-ingestor-leadership");
        this.consumer = new KafkaConsumer<>(p);
        this.partition = new TopicPartition(controlTopic, 0);
        this.groupId = groupId;
        this.listener = listener;
        // Lapses a third of the session timeout before the coordinator could give the partition away.
        this.leaseNs = sessionTimeout.toNanos() * 2 / 3;
        this.renewNs = Math.max(Duration.ofMillis(100).toNanos(), sessionTimeout.toNanos() / 6);
        this.thread = new Thread(this::run, "ingestor-leadership");
        thread.setDaemon(true);
    }

    void start() {
        consumer.subscribe(List.of(partition.topic()), new Rebalance());
        thread.start();
    }

    /**
     * True while this ingestor is elected and its lease has not lapsed; once it lapses, false until the next term.
     * Any thread.
     */
    boolean holdsLease() {
        if (!active || lapsed) {
            return false;
        }
        if (System.nanoTime() - leaseFromNs >= leaseNs) {
            lapsed = true;
            return false;
        }
        return true;
    }

    /** True while this ingestor owns the partition (its lease may have lapsed). Any thread. */
    boolean isActive() {
        return active;
    }

    /** Whether the leadership thread is alive and went round its loop within {@code within}. Any thread. */
    boolean isLooping(final Duration within) {
        return thread.isAlive() && System.nanoTime() - lastLoopNs < within.toNanos();
    }

    private void run() {
        try {
            while (!closed) {
                final long loopNs = System.nanoTime();
                lastLoopNs = loopNs;
                for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    if (active) {
                        listener.request(record);
                    }
                }
                if (owns && loopNs - lastRenewNs >= renewNs) {
                    renew(loopNs);
                }
                if (active && !holdsLease()) {
                    log.warn("Leadership lease lapsed (the group coordinator did not confirm it in time); stepping "
                            + "down until it is confirmed again. group=[{}]", consumer.groupMetadata().groupId());
                    depose("lease lapsed");
                }
                if (owns && !active && leaseFromNs > deposedNs && System.nanoTime() - leaseFromNs < leaseNs) {
                    elect("lease confirmed again");
                }
            }
        } catch (final WakeupException e) {
            if (!closed) {
                failed(e);
            }
        } catch (final RuntimeException | Error e) {
            failed(e);
        } finally {
            try {
                if (active) {
                    depose("stopping");
                }
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }
    }

    private void failed(final Throwable e) {
        final java.util.Optional<String> refused = KafkaAccessErrors.explain(e);
        if (refused.isPresent()) {
            // Nothing to debug: a setting of the cluster or of --kafka-config, said in one line.
            log.error("The leadership thread stops: {}. group=[{}]", refused.get(), groupId);
        } else {
            log.error("The leadership thread failed; the ingestor stops. group=[{}]", groupId, e);
        }
        listener.failed(e);
    }

    /**
     * Commits the position synchronously: accepted only from the partition's owner, it renews the lease. Waits at
     * most until the lease would lapse, so that a lapse is acted on when it happens.
     */
    private void renew(final long startNs) {
        lastRenewNs = startNs;
        final Duration wait = Duration.ofNanos(Math.max(Duration.ofMillis(100).toNanos(),
                leaseFromNs + leaseNs - startNs));
        try {
            consumer.commitSync(Map.of(partition, new OffsetAndMetadata(consumer.position(partition, wait))), wait);
            leaseFromNs = startNs;
        } catch (final WakeupException e) {
            throw e;
        } catch (final RuntimeException e) {
            log.debug("Lease not renewed. error=[{}]", e.toString());
        }
    }

    private void elect(final String why) {
        lapsed = false;
        active = true;
        final int epoch = consumer.groupMetadata().generationId();
        log.info("Elected the active ingestor. group=[{}] partition=[{}] epoch=[{}] why=[{}]",
                consumer.groupMetadata().groupId(), partition, epoch, why);
        listener.elected(epoch);
    }

    private void depose(final String why) {
        active = false;
        deposedNs = System.nanoTime();
        log.info("No longer the active ingestor; standing by. why=[{}]", why);
        listener.deposed(why);
    }

    /** Stops: leaves the group at once (a standby takes over without waiting for the session timeout). */
    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(final Collection<TopicPartition> partitions) {
            if (partitions.contains(partition) && !owns) {
                // The assignment itself is the coordinator's word that this member owns the partition now.
                owns = true;
                leaseFromNs = System.nanoTime();
                lastRenewNs = leaseFromNs;
                elect("partition assigned");
            }
        }

        @Override
        public void onPartitionsRevoked(final Collection<TopicPartition> partitions) {
            depose(partitions, "partition revoked");
        }

        @Override
        public void onPartitionsLost(final Collection<TopicPartition> partitions) {
            depose(partitions, "partition lost (this member was expelled from the group)");
        }

        private void depose(final Collection<TopicPartition> partitions, final String why) {
            if (partitions.contains(partition)) {
                owns = false;
                if (active) {
                    Leadership.this.depose(why);
                }
            }
        }
    }
}
