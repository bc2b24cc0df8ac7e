package dev.orderbook.contract;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;

import java.util.Optional;

/**
 * Says in one line what a secured Kafka cluster refused, and what to do, for an error that stops a service: a
 * wrong password or certificate (authentication), or a missing ACL (authorization, naming the operation). Every
 * service reports these the same way; other errors are not explained here.
 */
public final class KafkaAccessErrors {
    private KafkaAccessErrors() {
    }

    /** The one-line explanation, if {@code error} (or one of its causes) is an authentication or ACL refusal. */
    public static Optional<String> explain(final Throwable error) {
        return explain(error, null, null);
    }

    /**
     * The same, naming the cluster and, for an ACL refusal, the operation refused.
     *
     * @param bootstrap the cluster's bootstrap servers, or null to leave it unnamed
     * @param operation what was refused (for example "create topic x"), or null to say it from the error's type
     */
    public static Optional<String> explain(final Throwable error, final String bootstrap, final String operation) {
        final String kafka = bootstrap == null ? "Kafka" : "Kafka at " + bootstrap;
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuthenticationException) {
                return Optional.of(kafka + " refused to authenticate this service (" + t.getMessage()
                        + "): check the credentials and TLS settings of --kafka-config");
            }
            if (t instanceof AuthorizationException) {
                return Optional.of(kafka + " does not authorize this service to "
                        + (operation == null ? operation(t) : operation) + " (" + t.getMessage()
                        + "): grant the ACLs of docs/security.md");
            }
        }
        return Optional.empty();
    }

    private static String operation(final Throwable t) {
        if (t instanceof GroupAuthorizationException g) {
            return "use its consumer group " + g.groupId();
        }
        if (t instanceof TransactionalIdAuthorizationException) {
            return "use its transactional ids (exactly-once)";
        }
        if (t instanceof TopicAuthorizationException topics) {
            return "access the topics " + topics.unauthorizedTopics();
        }
        if (t instanceof ClusterAuthorizationException) {
            return "perform a cluster operation";
        }
        return "do what it asked";
    }
}
