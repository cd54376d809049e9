package com.voxanne.ssot.pipeline;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer-group members left on the EMBEDDED broker by a previous {@code ./ssot up} that was killed ({@code kill -9}):
 * they never said goodbye, so the group would wait for their session to time out (45 s) before giving their partitions
 * to the new instance. On the embedded default the broker and its data directory belong to this process alone (it holds
 * the directory lock and nothing else has started yet), so any member of our groups at this point is such a leftover
 * and is removed. Never used against a configured Kafka, where other live instances may be members.
 */
final class LeftoverMembers {
    private static final Logger log = LoggerFactory.getLogger(LeftoverMembers.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private LeftoverMembers() {
    }

    static void remove(Admin admin, Collection<String> groupIds) throws InterruptedException {
        Map<String, KafkaFuture<ConsumerGroupDescription>> described = admin.describeConsumerGroups(groupIds).describedGroups();
        for (Map.Entry<String, KafkaFuture<ConsumerGroupDescription>> entry : described.entrySet()) {
            String groupId = entry.getKey();
            try {
                ConsumerGroupDescription group = entry.getValue().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                if (group.members().isEmpty()) {
                    continue;
                }
                admin.removeMembersFromConsumerGroup(groupId, new RemoveMembersFromConsumerGroupOptions())
                        .all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                log.warn("Removed {} member(s) of consumer group {} left by a previous run that was killed", group.members().size(), groupId);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) { // a group not created yet has no members
                    warn(groupId, e.getCause());
                }
            } catch (TimeoutException e) {
                warn(groupId, e);
            }
        }
    }

    /** Not fatal: the new instance then waits for the old session to time out, as it would without this. */
    private static void warn(String groupId, Throwable e) {
        log.warn("Could not remove the members of consumer group {} left by a killed run: {}", groupId, e.toString());
    }
}
