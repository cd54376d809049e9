package com.voxanne.ssot.benchmarks.infra;

import com.voxanne.ssot.platform.db.DelegatingDataSource;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * A DataSource that measures how long its connections are held (borrow to close): wrapped around the pool a
 * component under test uses, it tells how much of the component's wall time was spent in database transactions.
 */
public final class TimedDataSource extends DelegatingDataSource {
    private final AtomicLong heldNanos = new AtomicLong();
    private final AtomicLong borrows = new AtomicLong();

    public TimedDataSource(DataSource delegate) {
        super(delegate);
    }

    /** Total time connections were held, in seconds. */
    public double heldSeconds() {
        return heldNanos.get() / 1e9;
    }

    public long borrows() {
        return borrows.get();
    }

    @Override
    protected Connection wrap(Connection connection) {
        long borrowedAt = System.nanoTime();
        borrows.incrementAndGet();
        boolean[] closed = {false};
        return intercept(connection, (real, method, args) -> {
            if (method.getName().equals("close") && !closed[0]) {
                closed[0] = true;
                heldNanos.addAndGet(System.nanoTime() - borrowedAt);
            }
            return invoke(real, method, args);
        });
    }
}
