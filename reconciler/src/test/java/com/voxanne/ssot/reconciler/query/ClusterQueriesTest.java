package com.voxanne.ssot.reconciler.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import com.voxanne.ssot.platform.http.StatusServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Gathering the parts of an answer from several instances: complete only when the parts cover every partition once.
 * The peer is a real HTTP server standing in for another instance's status server (the whole path, two real
 * reconcilers, is in the cli's SsotMoreInstancesIT).
 */
class ClusterQueriesTest {
    private static final String PATH = "/api/violations";
    private static final String BEARER = "Bearer cluster-test-token";

    /** An item of a part, as a query's view record would be. */
    public record Item(String key) {
    }

    private HttpServer peer;
    private final AtomicReference<String> peerSawAuthorization = new AtomicReference<>();
    private final AtomicReference<String> peerSawQuery = new AtomicReference<>();

    @AfterEach
    void stopPeer() {
        if (peer != null) {
            peer.stop(0);
        }
    }

    @Test
    void shouldMergeEveryInstancesPartAndNameTheSourcesWhenTheyCoverEveryPartition() throws Exception {
        // given this instance holding 0-2 and a peer holding 3-5
        String peerName = startPeer(200, new LocalPart<>("peer", Set.of(3, 4, 5), List.of(new Item("b"), new Item("c"))));
        ClusterQueries cluster = new ClusterQueries(instances(Set.of(0, 1, 2), List.of(peerName)), Duration.ofSeconds(2));

        // when an answer is gathered
        ClusterQueries.Gathered<Item> gathered = cluster.gather(PATH, "org=x", BEARER, Item.class, () -> List.of(new Item("a")));

        // then it has every part, says who gave which partitions, and the peer got the caller's token and question
        assertThat(gathered.items()).containsExactlyInAnyOrder(new Item("a"), new Item("b"), new Item("c"));
        assertThat(gathered.sources()).containsExactlyInAnyOrder(
                new ClusterQueries.Source("self:1", Set.of(0, 1, 2)), new ClusterQueries.Source("peer", Set.of(3, 4, 5)));
        assertThat(peerSawAuthorization.get()).isEqualTo(BEARER);
        assertThat(peerSawQuery.get()).isEqualTo("org=x&scope=local");
    }

    @Test
    void shouldRefuseAPartialAnswerWhenAPeerDoesNotAnswer() throws Exception {
        // given a peer that is gone (nothing listens on its port)
        String gone = "127.0.0.1:" + freePort();
        ClusterQueries cluster = new ClusterQueries(instances(Set.of(0, 1, 2), List.of(gone)), Duration.ofSeconds(2));

        // then no answer: its partitions are missing, and it is named
        assertThatThrownBy(() -> cluster.gather(PATH, null, BEARER, Item.class, () -> List.of(new Item("a"))))
                .isInstanceOfSatisfying(PartialAnswerException.class, e -> {
                    assertThat(e.missingPartitions()).containsExactlyInAnyOrder(3, 4, 5);
                    assertThat(e.unavailableInstances()).containsOnlyKeys(gone);
                    assertThat(e.getMessage()).contains("[3, 4, 5]").doesNotContain("cluster-test-token");
                });
    }

    @Test
    void shouldRefuseWhenAPeerIsRebalancingOrTwoInstancesClaimOnePartition() throws Exception {
        // a peer answering 503 (its stores are moving)
        String rebalancing = startPeer(503, Map.of("error", "stores not queryable now (starting or rebalancing)"));
        ClusterQueries cluster = new ClusterQueries(instances(Set.of(0, 1, 2), List.of(rebalancing)), Duration.ofSeconds(2));
        assertThatThrownBy(() -> cluster.gather(PATH, null, null, Item.class, List::of))
                .isInstanceOfSatisfying(PartialAnswerException.class, e -> {
                    assertThat(e.missingPartitions()).containsExactlyInAnyOrder(3, 4, 5);
                    assertThat(e.unavailableInstances().get(rebalancing)).contains("503", "rebalancing");
                });
        peer.stop(0);

        // a peer that still claims partition 2, which this instance holds now: one of them is about to lose it
        String stale = startPeer(200, new LocalPart<>("peer", Set.of(2, 3, 4, 5), List.of(new Item("b"))));
        ClusterQueries overlapping = new ClusterQueries(instances(Set.of(0, 1, 2), List.of(stale)), Duration.ofSeconds(2));
        assertThatThrownBy(() -> overlapping.gather(PATH, null, null, Item.class, List::of))
                .isInstanceOfSatisfying(PartialAnswerException.class, e -> assertThat(e.missingPartitions()).containsExactly(2));
    }

    @Test
    void shouldRefuseWhenThisInstanceIsNotRunningEvenIfThePeersAnswer() throws Exception {
        String peerName = startPeer(200, new LocalPart<>("peer", Set.of(3, 4, 5), List.of(new Item("b"))));
        ReconcilerInstances rebalancing = new FixedInstances(null, List.of(peerName));
        ClusterQueries cluster = new ClusterQueries(rebalancing, Duration.ofSeconds(2));

        assertThatThrownBy(() -> cluster.gather(PATH, null, null, Item.class, List::of))
                .isInstanceOfSatisfying(PartialAnswerException.class, e -> {
                    assertThat(e.missingPartitions()).containsExactlyInAnyOrder(0, 1, 2);
                    assertThat(e.unavailableInstances().get("self:1")).contains("REBALANCING");
                });
        peer.stop(0);

        // even when the peers claim every partition: this instance may still hold some of them
        String claimsAll = startPeer(200, new LocalPart<>("peer", Set.of(0, 1, 2, 3, 4, 5), List.of(new Item("b"))));
        ClusterQueries whileRebalancing = new ClusterQueries(new FixedInstances(null, List.of(claimsAll)), Duration.ofSeconds(2));
        assertThatThrownBy(() -> whileRebalancing.gather(PATH, null, null, Item.class, List::of))
                .isInstanceOfSatisfying(PartialAnswerException.class, e -> {
                    assertThat(e.missingPartitions()).isEmpty();
                    assertThat(e.unavailableInstances()).containsOnlyKeys("self:1");
                    assertThat(e.getMessage()).contains("instances not answering", "REBALANCING");
                });
    }

    @Test
    void shouldRefuseALocalPartWhosePartitionsMovedDuringTheRead() {
        ReconcilerInstances moving = new ReconcilerInstances() {
            private int calls;

            @Override
            public String self() {
                return "self:1";
            }

            @Override
            public List<String> peers() {
                return List.of();
            }

            @Override
            public Set<Integer> localPartitions() {
                return calls++ == 0 ? Set.of(0, 1, 2) : Set.of(0, 1);
            }

            @Override
            public int partitions() {
                return 6;
            }
        };
        assertThatThrownBy(() -> new ClusterQueries(moving).local(List::of))
                .isInstanceOf(InvalidStateStoreException.class).hasMessageContaining("moved during the read");
    }

    private String startPeer(int status, Object body) throws IOException {
        peer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        peer.createContext(PATH, exchange -> {
            peerSawAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
            peerSawQuery.set(exchange.getRequestURI().getRawQuery());
            byte[] bytes = StatusServer.JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        peer.start();
        return "127.0.0.1:" + peer.getAddress().getPort();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static ReconcilerInstances instances(Set<Integer> local, List<String> peers) {
        return new FixedInstances(local, peers);
    }

    /** Six partitions; this instance holds {@code local} (null: it is REBALANCING). */
    private record FixedInstances(Set<Integer> local, List<String> peers) implements ReconcilerInstances {
        @Override
        public String self() {
            return "self:1";
        }

        @Override
        public Set<Integer> localPartitions() {
            if (local == null) {
                throw new InvalidStateStoreException("the reconciler's Streams client is REBALANCING, not RUNNING");
            }
            return local;
        }

        @Override
        public int partitions() {
            return 6;
        }
    }
}
