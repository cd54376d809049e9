package com.voxanne.ssot.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StackFaultsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final TestStack stack = TestStack.get();

    @BeforeEach
    void onlyTheEmbeddedStackCanBeStoppedByATest() {
        assumeTrue(stack.mode() == TestStack.Mode.EMBEDDED, "fault injection needs the embedded stack");
    }

    @Test
    void shouldKeepDataAndPortWhenPostgresStopsAndStartsAgain() throws SQLException {
        // given a committed row
        try (TestDatabase db = stack.newDatabase("pg_restart")) {
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO organizations (id, name, email) VALUES (gen_random_uuid(), 'Kept Clinic', 'kept@demo.com')");
                c.commit();
            }
            String urlBefore = stack.jdbcUrl(db.name());

            // when PostgreSQL stops
            stack.stopPostgres();
            try {
                // then nobody can connect
                assertThatThrownBy(() -> DriverManager.getConnection(db.jdbcUrl(), db.user(), null).close())
                        .isInstanceOf(SQLException.class);
            } finally {
                // when it starts again (always: the other tests of this JVM share it)
                stack.startPostgres();
            }

            // then it listens on the same port, the pool recovers and the row is still there
            assertThat(stack.jdbcUrl(db.name())).isEqualTo(urlBefore);
            await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(() -> {
                try (Connection c = db.dataSource().getConnection();
                        PreparedStatement ps = c.prepareStatement("SELECT name FROM organizations WHERE email = 'kept@demo.com'");
                        ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("Kept Clinic");
                    c.rollback();
                }
            });
        }
    }

    @Test
    void shouldKeepTopicsAndRecordsWhenKafkaRestarts() throws Exception {
        // given a topic with 10 records
        String topic = stack.uniqueTopic("faults.kafka-restart");
        stack.createTopic(topic, 2, Map.of());
        Properties props = KafkaDeliveryTest.stringProducer(stack.producerProps());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        String bootstrapBefore = stack.bootstrapServers();

        // when the broker restarts
        stack.restartKafka();

        // then it is on the same address, still has the topic, and serves all 10 records
        assertThat(stack.bootstrapServers()).isEqualTo(bootstrapBefore);
        assertThat(stack.admin().listTopics().names().get(30, TimeUnit.SECONDS)).contains(topic);
        assertThat(KafkaDeliveryTest.values(stack.consumeAll(topic, 10, TIMEOUT)))
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 10).mapToObj(i -> "v" + i).toList());
    }
}
