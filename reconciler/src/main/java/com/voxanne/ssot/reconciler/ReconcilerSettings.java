package com.voxanne.ssot.reconciler;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.reconciler.topology.ReconcilerTopologyConfig;
import com.voxanne.ssot.schemas.TopicPlan;
import com.voxanne.ssot.schemas.Topics;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The reconciler's own settings (on top of {@link SsotConfig}), read once at start and validated with
 * named checks.
 *
 * <table>
 *   <caption>Environment variables</caption>
 *   <tr><td>RECONCILER_APPLICATION_ID</td><td>Streams application.id (and consumer group); default ssot-reconciler</td></tr>
 *   <tr><td>RECONCILER_STATE_DIR</td><td>state stores; default SSOT_DATA_DIR/reconciler</td></tr>
 *   <tr><td>RECONCILER_STREAM_THREADS</td><td>num.stream.threads; default 1</td></tr>
 *   <tr><td>RECONCILER_COMMIT_INTERVAL</td><td>commit.interval.ms (detection latency); default 200ms</td></tr>
 *   <tr><td>RECONCILER_PUNCTUATION_INTERVAL</td><td>how often due violations are checked; default grace/10 in [100ms, 200ms]</td></tr>
 *   <tr><td>SSOT_TIMELINE_RETENTION</td><td>how long resolved episodes stay on the compliance timeline; default 30d</td></tr>
 *   <tr><td>RECONCILER_CATCHUP_MAX_LAG</td><td>input lag (records) above which alerts are held; default 100</td></tr>
 *   <tr><td>RECONCILER_CATCHUP_REFRESH</td><td>how often the lag is measured; default 500ms</td></tr>
 *   <tr><td>RECONCILER_START_TIMEOUT</td><td>how long start waits for RUNNING; default 60s</td></tr>
 *   <tr><td>RECONCILER_ADVERTISED_URL</td><td>this instance's HTTP endpoint as the other instances reach it
 *       ({@code http://host:port}, Streams' application.server), so that the queries answer for every partition by
 *       asking each instance for its part; default: the status server's own address (set by the pipeline)</td></tr>
 *   <tr><td>RECONCILER_DLQ_MAX_ATTEMPTS</td><td>stream-thread failures after a refused dead letter before the client
 *       shuts down (health DOWN, nothing skipped); default 10</td></tr>
 * </table>
 * The grace period is SSOT_GRACE; topic names (TOPIC_*), partitions and replication of the topics it creates when
 * missing (SSOT_TOPIC_PARTITIONS, SSOT_TOPIC_REPLICATION_FACTOR) are the shared settings, in {@link #topicPlan()}.
 */
public record ReconcilerSettings(
        String applicationId,
        Path stateDir,
        int streamThreads,
        Duration commitInterval,
        Duration grace,
        Duration punctuationInterval,
        Duration timelineRetention,
        long maxCatchUpLag,
        Duration catchUpRefresh,
        Duration startTimeout,
        int dlqMaxAttempts,
        Optional<URI> advertisedUrl,
        Topics topics,
        TopicPlan topicPlan) {

    public static final String DEFAULT_APPLICATION_ID = "ssot-reconciler";
    /** This instance's HTTP endpoint as the other reconciler instances reach it. */
    public static final String ADVERTISED_URL = "RECONCILER_ADVERTISED_URL";

    public ReconcilerSettings {
        List<String> problems = new ArrayList<>();
        if (applicationId == null || !applicationId.matches("[a-zA-Z0-9._-]{1,200}")) {
            problems.add("RECONCILER_APPLICATION_ID must be 1-200 characters of [a-zA-Z0-9._-], was '" + applicationId + "'");
        }
        if (streamThreads < 1) {
            problems.add("RECONCILER_STREAM_THREADS must be >= 1, was " + streamThreads);
        }
        if (commitInterval.isNegative() || commitInterval.isZero()) {
            problems.add("RECONCILER_COMMIT_INTERVAL must be > 0, was " + commitInterval);
        }
        if (grace.isNegative() || grace.isZero()) {
            problems.add("SSOT_GRACE must be > 0, was " + grace);
        }
        if (punctuationInterval.compareTo(ReconcilerTopologyConfig.MIN_PUNCTUATION_INTERVAL) < 0) {
            problems.add("RECONCILER_PUNCTUATION_INTERVAL must be >= 100ms, was " + punctuationInterval);
        }
        if (timelineRetention.isNegative() || timelineRetention.isZero()) {
            problems.add("SSOT_TIMELINE_RETENTION must be > 0, was " + timelineRetention);
        }
        if (maxCatchUpLag < 0) {
            problems.add("RECONCILER_CATCHUP_MAX_LAG must be >= 0, was " + maxCatchUpLag);
        }
        if (catchUpRefresh.compareTo(Duration.ofMillis(50)) < 0) {
            problems.add("RECONCILER_CATCHUP_REFRESH must be >= 50ms, was " + catchUpRefresh);
        }
        if (dlqMaxAttempts < 1) {
            problems.add("RECONCILER_DLQ_MAX_ATTEMPTS must be >= 1, was " + dlqMaxAttempts);
        }
        if (startTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add("RECONCILER_START_TIMEOUT must be >= 1s, was " + startTimeout);
        }
        advertisedUrl.ifPresent(url -> {
            if (!"http".equals(url.getScheme()) || url.getHost() == null || url.getPort() < 1
                    || (url.getPath() != null && !url.getPath().isEmpty() && !url.getPath().equals("/"))) {
                problems.add(ADVERTISED_URL + " must be http://host:port (the status server of this instance), was '" + url + "'");
            }
        });
        if (!problems.isEmpty()) {
            throw new ConfigException(String.join("; ", problems));
        }
    }

    /** Streams' {@code application.server} ({@code host:port}), when an advertised URL is set. */
    public Optional<String> applicationServer() {
        return advertisedUrl.map(url -> url.getHost() + ":" + url.getPort());
    }

    private static Optional<URI> advertisedUrl(ConfigSource source) {
        return source.get(ADVERTISED_URL).filter(v -> !v.isBlank()).map(v -> {
            try {
                return new URI(v.trim());
            } catch (URISyntaxException e) {
                throw new ConfigException(ADVERTISED_URL + " must be http://host:port, was '" + v + "': " + e.getMessage());
            }
        });
    }

    public static ReconcilerSettings from(SsotConfig config, ConfigSource source) {
        Duration grace = config.grace();
        return new ReconcilerSettings(
                source.get("RECONCILER_APPLICATION_ID", DEFAULT_APPLICATION_ID),
                source.get("RECONCILER_STATE_DIR").map(Path::of).orElse(config.dataDir().resolve("reconciler"))
                        .toAbsolutePath().normalize(),
                source.getInt("RECONCILER_STREAM_THREADS", 1),
                source.getDuration("RECONCILER_COMMIT_INTERVAL", Duration.ofMillis(200)),
                grace,
                source.getDuration("RECONCILER_PUNCTUATION_INTERVAL",
                        ReconcilerTopologyConfig.defaultPunctuationInterval(grace)),
                source.getDuration("SSOT_TIMELINE_RETENTION", ReconcilerTopologyConfig.DEFAULT_TIMELINE_RETENTION),
                source.getInt("RECONCILER_CATCHUP_MAX_LAG", 100),
                source.getDuration("RECONCILER_CATCHUP_REFRESH", Duration.ofMillis(500)),
                source.getDuration("RECONCILER_START_TIMEOUT", Duration.ofSeconds(60)),
                source.getInt("RECONCILER_DLQ_MAX_ATTEMPTS", 10),
                advertisedUrl(source),
                config.topics(),
                reconcilerTopics(config));
    }

    /** The part of the deployment's topic plan the reconciler reads and writes (created when missing). */
    private static TopicPlan reconcilerTopics(SsotConfig config) {
        Topics topics = config.topics();
        return config.topicPlan().only(List.of(topics.cdcManagedNumbers().name(), topics.cdcOrgCredentials().name(),
                topics.violations().name(), topics.cdcManagedNumbers().dlq(), topics.cdcOrgCredentials().dlq()));
    }

    /** The topology's config for these settings (no gate and no listener yet: the service adds them). */
    public ReconcilerTopologyConfig topologyConfig() {
        return ReconcilerTopologyConfig.of(topics.cdcManagedNumbers().name(), topics.cdcOrgCredentials().name(),
                topics.violations().name(), grace).withPunctuationInterval(punctuationInterval)
                .withTimelineRetention(timelineRetention);
    }
}
