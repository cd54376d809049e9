package com.voxanne.ssot.projector.backfill;

import static com.voxanne.ssot.projector.ProjectorFixture.event;
import static com.voxanne.ssot.projector.ProjectorFixture.newPhone;
import static com.voxanne.ssot.projector.ProjectorFixture.released;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.projector.ProjectorFixture;
import com.voxanne.ssot.projector.ProjectorFixture.SsotRecord;
import com.voxanne.ssot.schemas.avro.NumberProvisioned;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The backfill's parallel writers and its COPY path: order per key, refusals, commits before progress, releases. */
class BackfillWritersTest {
    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    /** Two writers, COPY for every batch (threshold 1), small polls so that a key's events span batches. */
    private static Backfill backfill(ProjectorFixture fixture, DataSource dataSource, Duration giveUpAfter) {
        return new Backfill(fixture.kafka, fixture.typedTopic(), dataSource, new SimpleMeterRegistry(), Redactor.none(),
                fixture.settings().withMaxPollRecords(25), new BackfillSettings(2, 1), giveUpAfter);
    }

    @Test
    void shouldKeepTheNewestEventOfEveryKeyWhenTwoWritersReplayOutOfOrderVersionsAcrossACrashAndARerun() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("backfill_writers_order", 2)) {
            // given: per key, three versions in the log newest first (out of order), over orgs in both partitions
            List<NumberProvisioned> log = new ArrayList<>();
            Map<String, NumberProvisioned> newest = new HashMap<>();
            for (int o = 0; o < 6; o++) {
                UUID org = fixture.newOrg();
                for (int n = 0; n < 20; n++) {
                    String phone = newPhone();
                    NumberProvisioned latest = event(org, phone, T0.plusSeconds(2000 + n));
                    log.add(latest);
                    log.add(event(org, phone, T0.plusSeconds(n)));
                    log.add(event(org, phone, T0.plusSeconds(1000 + n)));
                    newest.put(org + "|" + phone, latest);
                }
            }
            fixture.send(log);

            // when: a first replay whose commits fail for good after the first three (a crash), then a rerun
            FailingCommits crashing = new FailingCommits(fixture.db.dataSource(), commit -> commit > 3);
            assertThatThrownBy(() -> backfill(fixture, crashing, Duration.ofSeconds(2))
                    .run(StartFrom.beginning(), false, BackfillListener.NONE))
                    .isInstanceOf(BackfillException.class)
                    .hasMessageContaining("rerunning the backfill is safe");
            assertThat(crashing.failed()).isPositive();
            BackfillSummary summary = backfill(fixture, fixture.db.dataSource(), Duration.ofSeconds(30))
                    .run(StartFrom.beginning(), false, BackfillListener.NONE);

            // then: every key holds its newest event, written by the backfill
            Map<String, SsotRecord> rows = fixture.rows();
            assertThat(rows).hasSize(120);
            newest.forEach((key, event) -> {
                SsotRecord row = rows.get(key);
                assertThat(row.version()).as(key).isEqualTo(event.getProvisionedAt().toEpochMilli());
                assertThat(row.vapiPhoneId()).as(key).isEqualTo(event.getVapiPhoneId());
                assertThat(row.lastEventId()).as(key).isEqualTo(UUID.fromString(event.getEventId()));
            });
            assertThat(fixture.scalar("SELECT count(*) FROM org_credentials WHERE written_by <> 'backfill'")).isZero();
            assertThat(summary.records()).isEqualTo(log.size());
            assertThat(summary.deadLettered()).isZero();
        }
    }

    @Test
    void shouldReportRecordsAsDoneOnlyAfterTheTransactionHoldingThemCommitted() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("backfill_writers_commit", 3)) {
            // given: 150 events, each a new key, and a database whose first three commits fail
            List<NumberProvisioned> log = new ArrayList<>();
            for (int o = 0; o < 5; o++) {
                UUID org = fixture.newOrg();
                for (int n = 0; n < 30; n++) {
                    log.add(event(org, newPhone(), T0.plusSeconds(n)));
                }
            }
            fixture.send(log);
            FailingCommits flaky = new FailingCommits(fixture.db.dataSource(), commit -> commit <= 3);

            // when: every progress report is compared with the rows committed at that moment
            List<long[]> doneVersusCommitted = new CopyOnWriteArrayList<>();
            BackfillSummary summary = backfill(fixture, flaky, Duration.ofSeconds(30)).run(StartFrom.beginning(), false,
                    progress -> {
                        try {
                            doneVersusCommitted.add(new long[] {progress.done(), fixture.rowCount()});
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    });

            // then: the failed transactions were retried, and no report ever ran ahead of the commits
            assertThat(flaky.failed()).isEqualTo(3);
            assertThat(doneVersusCommitted).isNotEmpty()
                    .allSatisfy(pair -> assertThat(pair[0]).isLessThanOrEqualTo(pair[1]));
            assertThat(doneVersusCommitted.get(doneVersusCommitted.size() - 1)[0]).isEqualTo(150);
            assertThat(fixture.rowCount()).isEqualTo(150);
            assertThat(summary.inserted()).isEqualTo(150);
        }
    }

    @Test
    void shouldParkOnlyTheRefusedRecordsOfACopyBatchAndWriteTheRest() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("backfill_writers_refused", 2)) {
            // given: a rule of the database the validator does not know, one event breaking it, one of an unknown org
            fixture.execute("ALTER TABLE org_credentials ADD CONSTRAINT test_refuses_vapi"
                    + " CHECK (vapi_phone_id <> 'vapi-refused-by-the-database')");
            List<NumberProvisioned> log = new ArrayList<>();
            for (int o = 0; o < 2; o++) {
                UUID org = fixture.newOrg();
                for (int n = 0; n < 30; n++) {
                    log.add(event(org, newPhone(), T0.plusSeconds(n)));
                }
            }
            NumberProvisioned refused = log.get(12);
            refused.setVapiPhoneId("vapi-refused-by-the-database");
            log.add(20, event(UUID.randomUUID(), newPhone(), T0));
            fixture.send(log);

            // when
            BackfillSummary summary = backfill(fixture, fixture.db.dataSource(), Duration.ofSeconds(30))
                    .run(StartFrom.beginning(), false, BackfillListener.NONE);

            // then: both parked, every other row written
            assertThat(summary.deadLettered()).isEqualTo(2);
            assertThat(summary.inserted()).isEqualTo(59);
            assertThat(fixture.deadLetters(2)).hasSize(2);
            assertThat(fixture.rows()).hasSize(59).doesNotContainKey(refused.getOrgId() + "|" + refused.getPhoneNumber());
        }
    }

    @Test
    void shouldNotOfferAReleasedNumberAgainWhenItsOlderProvisionComesThroughTheCopyPath() throws Exception {
        try (ProjectorFixture fixture = new ProjectorFixture("backfill_writers_released", 1)) {
            // given: a release that overtook its provision in the log, then the provision amid 29 other numbers
            UUID org = fixture.newOrg();
            List<NumberProvisioned> provisions = new ArrayList<>();
            for (int n = 0; n < 30; n++) {
                provisions.add(event(org, newPhone(), T0.plusSeconds(n)));
            }
            NumberProvisioned releasedOne = provisions.get(15);
            fixture.sendReleased(released(releasedOne, T0.plusSeconds(3600)));
            fixture.send(provisions);

            // when
            BackfillSummary summary = backfill(fixture, fixture.db.dataSource(), Duration.ofSeconds(30))
                    .run(StartFrom.beginning(), false, BackfillListener.NONE);

            // then: the others are offered, the released number is not
            assertThat(fixture.rows()).hasSize(29).doesNotContainKey(org + "|" + releasedOne.getPhoneNumber());
            assertThat(summary.records()).isEqualTo(31);
            assertThat(fixture.scalar("SELECT count(*) FROM ssot_released_numbers WHERE phone_number = '"
                    + releasedOne.getPhoneNumber() + "'")).isEqualTo(1);
        }
    }

    /** A data source whose connections' commits fail (and roll back) when {@code fails} says so of the n-th commit. */
    private static final class FailingCommits implements DataSource {
        private final DataSource delegate;
        private final IntPredicate fails;
        private final AtomicInteger commits = new AtomicInteger();
        private final AtomicInteger failed = new AtomicInteger();

        FailingCommits(DataSource delegate, IntPredicate fails) {
            this.delegate = delegate;
            this.fails = fails;
        }

        int failed() {
            return failed.get();
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection real = delegate.getConnection();
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("commit") && fails.test(commits.incrementAndGet())) {
                            failed.incrementAndGet();
                            real.rollback();
                            throw new SQLTransientConnectionException("injected commit failure");
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        @Override
        public Connection getConnection(String username, String password) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PrintWriter getLogWriter() throws SQLException {
            return delegate.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) throws SQLException {
            delegate.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            delegate.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws SQLException {
            return delegate.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return delegate.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            return delegate.unwrap(iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) throws SQLException {
            return delegate.isWrapperFor(iface);
        }
    }
}
