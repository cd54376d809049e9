package com.voxanne.ssot.embedded;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;

/** Waits until Kafka answers describeCluster with enough live brokers: the embedded default's "it is up". */
final class BrokerReadiness {

    private BrokerReadiness() {
    }

    /**
     * Returns once describeCluster through {@code bootstrapServers} lists at least {@code brokers} brokers.
     *
     * @throws EmbeddedStackException naming {@code what} if that does not happen within {@code timeout}
     */
    static void await(String bootstrapServers, Map<String, String> clientProperties, int brokers, Duration timeout,
                      Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        int seen = 0;
        try (Admin admin = Admin.create(adminConfig(bootstrapServers, clientProperties))) {
            while (System.nanoTime() < deadline) {
                long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                try {
                    // Each call blocks up to its own timeout (the admin client retries inside): no busy loop.
                    Collection<Node> nodes = admin.describeCluster().nodes().get(Math.min(remainingMs, 5_000), TimeUnit.MILLISECONDS);
                    seen = nodes.size();
                    if (seen >= brokers) {
                        return;
                    }
                    Thread.sleep(Math.min(remainingMs, 200));
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new EmbeddedStackException("interrupted while waiting for " + what.get(), e);
                }
            }
        }
        throw new EmbeddedStackException(what.get() + " did not answer describeCluster with " + brokers + " broker(s) within "
                + timeout + " (last answer: " + seen + ")", last);
    }

    static Map<String, Object> adminConfig(String bootstrapServers, Map<String, String> clientProperties) {
        Map<String, Object> conf = new LinkedHashMap<>(clientProperties);
        conf.putAll(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-readiness",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 4_000,
                AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50,
                AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 250));
        return conf;
    }
}
