package com.voxanne.ssot.provisioner.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;

/** Reads of {@code provisioning_requests} that take no lease: one saga's stored state, and how many are stuck. */
public final class SagaReads {
    /**
     * Unfinished sagas that hold, or may hold, a paid number: a purchase attempt was sent (NUMBER_CHOSEN with attempts),
     * it was bought (PURCHASED, IMPORTED), or it is being released (COMPENSATING).
     */
    public static final String HOLDS_A_NUMBER = "(state IN ('PURCHASED', 'IMPORTED', 'COMPENSATING')"
            + " OR (state = 'NUMBER_CHOSEN' AND attempts > 0))";

    private final Transactions tx;

    public SagaReads(DataSource dataSource) {
        this.tx = new Transactions(dataSource);
    }

    public Optional<SagaRecord> find(String requestId) {
        return tx.inTransaction("read saga " + requestId, c -> SagaRows.find(c, requestId));
    }

    /**
     * STUCK sagas: they hold (or may hold) a paid number and have not moved for longer than {@code olderThan}. They are
     * never dropped: they stay unfinished (retrying, or waiting behind the provider circuit) until they finish or an
     * operator resumes or abandons them ({@code ./ssot sagas --stuck}).
     */
    public long countStuck(Duration olderThan) {
        return tx.inTransaction("count stuck sagas", c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT count(*) FROM provisioning_requests"
                    + " WHERE " + HOLDS_A_NUMBER + " AND updated_at < now() - (? * interval '1 millisecond')")) {
                st.setLong(1, olderThan.toMillis());
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }
}
