package com.voxanne.ssot.provisioner.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.testkit.TestDatabase;
import com.voxanne.ssot.testkit.TestStack;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Leasing sagas in batches: oldest first, one per organisation, a lease token per saga, never twice. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SagaClaimTest {
    private static final Duration LEASE = Duration.ofSeconds(30);

    private TestDatabase db;

    @BeforeAll
    void database() {
        db = TestStack.get().newDatabase("saga_claim");
    }

    @AfterAll
    void dropDatabase() {
        db.close();
    }

    @Test
    void shouldLeaseOneSagaPerOrganisationOldestFirstWithItsOwnLeaseToken() {
        // given: org A has three requests, orgs B and C one each, D one later
        String a = org();
        String b = org();
        String c = org();
        String d = org();
        List<String> ids = record(a, a, b, a, c, d);
        SagaLeases store = new SagaLeases(db.dataSource());

        // when: a batch larger than what may run
        List<SagaRecord> first = store.claim("node-1#1", 10, LEASE);

        // then: A's oldest, B, C and D; never A's later requests while its first is unfinished
        assertThat(first).extracting(SagaRecord::requestId).containsExactly(ids.get(0), ids.get(2), ids.get(4), ids.get(5));
        assertThat(first).extracting(SagaRecord::leaseOwner).doesNotHaveDuplicates()
                .allSatisfy(owner -> assertThat(owner).startsWith("node-1#1:"));
        assertThat(first).allSatisfy(s -> assertThat(s.leaseOwner()).isEqualTo("node-1#1:" + s.requestId()));

        // and: nothing else may run while those are leased
        assertThat(store.claim("node-2#1", 10, LEASE)).isEmpty();
        assertThat(store.claimNext("node-2#2", LEASE)).isEmpty();
    }

    @Test
    void shouldNeverLeaseTheSameSagaToTwoConcurrentClaims() throws Exception {
        // given: 200 organisations with one request each
        List<String> orgs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            orgs.add(org());
        }
        Set<String> expected = Set.copyOf(record(orgs.toArray(String[]::new)));
        SagaLeases store = new SagaLeases(db.dataSource());

        // when: four claimers race with batches of 16 until nothing is left
        ExecutorService claimers = Executors.newFixedThreadPool(4);
        List<Future<List<SagaRecord>>> leased = new ArrayList<>();
        try {
            for (int t = 0; t < 4; t++) {
                String node = "node-" + t;
                leased.add(claimers.submit(() -> {
                    List<SagaRecord> mine = new ArrayList<>();
                    for (int n = 1; ; n++) {
                        List<SagaRecord> batch = store.claim(node + "#" + n, 16, LEASE);
                        if (batch.isEmpty()) {
                            return mine;
                        }
                        mine.addAll(batch);
                    }
                }));
            }
        } finally {
            claimers.shutdown();
        }
        List<SagaRecord> claimed = new ArrayList<>();
        for (Future<List<SagaRecord>> f : leased) {
            claimed.addAll(f.get(60, TimeUnit.SECONDS));
        }

        // then: every saga leased exactly once
        List<String> all = claimed.stream().map(SagaRecord::requestId).toList();
        assertThat(all).doesNotHaveDuplicates();
        assertThat(Set.copyOf(all)).isEqualTo(expected);
    }

    @Test
    void shouldRefuseAnEmptyBatch() {
        SagaLeases store = new SagaLeases(db.dataSource());
        assertThatThrownBy(() -> store.claim("node#1", 0, LEASE)).isInstanceOf(IllegalArgumentException.class);
    }

    private static String org() {
        return UUID.randomUUID().toString();
    }

    /** Records one request per given org, in order; returns their request ids. */
    private List<String> record(String... orgs) {
        List<InboxStore.Entry> entries = new ArrayList<>();
        for (String org : orgs) {
            entries.add(new InboxStore.Entry(UUID.randomUUID().toString(), org, "US", "415", null, Instant.now(), null));
        }
        new InboxStore(db.dataSource()).record(entries);
        return entries.stream().map(InboxStore.Entry::requestId).collect(Collectors.toList());
    }
}
