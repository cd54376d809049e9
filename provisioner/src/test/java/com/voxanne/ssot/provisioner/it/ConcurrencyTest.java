package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.schemas.avro.ProvisioningResult;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With every provider call taking 300 ms: different organisations proceed concurrently (N orgs finish in about the time
 * of one), one organisation's requests run one at a time in arrival order, and two instances share the work without
 * ever buying a number twice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrencyTest {
    private static final Logger log = LoggerFactory.getLogger(ConcurrencyTest.class);
    private static final Duration LATENCY = Duration.ofMillis(300);
    private ProvisionerHarness h;
    private Duration single;

    @BeforeAll
    void start() throws Exception {
        h = new ProvisionerHarness("concurrency", Map.of("PROVISIONER_WORKERS", "8"));
        h.providers.twilio().faults().latencyForAll(LATENCY);
        h.providers.vapi().faults().latencyForAll(LATENCY);
        h.startFromConfig();
        // the baseline: one saga alone (search, buy, import: three slow calls)
        String org = h.createOrg("Baseline");
        long t0 = System.nanoTime();
        assertThat(h.awaitResult(h.publish(org, "415")).getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
        single = Duration.ofNanos(System.nanoTime() - t0);
        log.info("One saga alone took {} ms", single.toMillis());
    }

    @AfterAll
    void stop() {
        h.close();
    }

    @Test
    void shouldProvisionDifferentOrganisationsConcurrentlyWhenCallsAreSlow() {
        // given
        int orgs = 6;
        List<String> requests = new ArrayList<>();
        List<String> orgIds = new ArrayList<>();
        for (int i = 0; i < orgs; i++) {
            orgIds.add(h.createOrg("Parallel " + i));
        }

        // when
        long t0 = System.nanoTime();
        orgIds.forEach(org -> requests.add(h.publish(org, "628")));
        Map<String, ProvisioningResult> results = h.awaitResults(requests, Duration.ofSeconds(60));
        Duration all = Duration.ofNanos(System.nanoTime() - t0);
        log.info("{} organisations, one request each, took {} ms (one alone: {} ms)", orgs, all.toMillis(), single.toMillis());

        // then: faster than six sagas in a row could possibly be (each waits >= 3 provider calls of LATENCY): they overlapped
        assertThat(results.values()).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED));
        assertThat(all).isLessThan(LATENCY.multipliedBy(3L * orgs));
        assertThat(results.values().stream().map(ProvisioningResult::getPhoneNumber).distinct()).hasSize(orgs);
    }

    @Test
    void shouldCompleteOneOrganisationsRequestsOneAtATimeInArrivalOrder() {
        // given
        String org = h.createOrg("Serial");
        List<String> requests = new ArrayList<>();

        // when
        long t0 = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            requests.add(h.publish(org, "415"));
        }
        Map<String, ProvisioningResult> results = h.awaitResults(requests, Duration.ofSeconds(60));
        Duration all = Duration.ofNanos(System.nanoTime() - t0);
        log.info("4 requests of one organisation took {} ms (one alone: {} ms)", all.toMillis(), single.toMillis());

        // then: completed in arrival order, and not overlapping (each saga needs at least three slow calls)
        List<Instant> completed = requests.stream().map(id -> results.get(id).getCompletedAt()).toList();
        assertThat(completed).isSorted();
        assertThat(completed).doesNotHaveDuplicates();
        assertThat(all).isGreaterThanOrEqualTo(LATENCY.multipliedBy(3 * 4));
        assertThat(results.values()).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED));
    }

    @Test
    void shouldShareWorkBetweenTwoInstancesWithoutBuyingAnyNumberTwice() throws Exception {
        // given: a second instance on the same database and consumer group
        h.startFromConfig();
        int purchasesBefore = h.providers.twilio().purchases();
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String org = h.createOrg("Shared " + i);
            requests.add(h.publish(org, "917"));
            requests.add(h.publish(org, "917"));
        }

        // when
        Map<String, ProvisioningResult> results = h.awaitResults(requests, Duration.ofSeconds(90));

        // then
        assertThat(results.values()).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED));
        assertThat(h.providers.twilio().purchases()).isEqualTo(purchasesBefore + requests.size());
        assertThat(results.values().stream().map(ProvisioningResult::getPhoneNumber).distinct()).hasSize(requests.size());
        assertThat(h.twilioNumbers()).isEqualTo(h.managedNumbers());
        for (String id : requests) {
            assertThat(h.count("SELECT count(*) FROM managed_phone_numbers WHERE request_id = '" + id + "'")).isEqualTo(1);
        }
    }
}
