package com.voxanne.ssot.faults.inject;

import com.voxanne.ssot.platform.db.DelegatingDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

/**
 * The projector's database, with a trap between its two commits: once {@link #arm armed}, the next transaction COMMIT
 * goes through and then the process "dies" (a {@link SimulatedKill} on the writing thread, and from then on no
 * connection can be had), so the Kafka offsets of that batch are never committed. This is how the suite kills the
 * projector between its SSOT commit and its offset commit from outside, through the DataSource its public
 * constructor takes, without a seam in the projector. Not owned: the caller closes the delegate.
 */
public final class CommitKillingDataSource extends DelegatingDataSource {
    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicBoolean dead = new AtomicBoolean();
    private final CountDownLatch fired = new CountDownLatch(1);

    public CommitKillingDataSource(DataSource delegate) {
        super(delegate);
    }

    public void arm() {
        armed.set(true);
    }

    public void disarm() {
        armed.set(false);
    }

    /** Waits until a commit went through and the "process" died after it; false if no commit came within {@code timeout}. */
    public boolean awaitFired(Duration timeout) throws InterruptedException {
        return fired.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean dead() {
        return dead.get();
    }

    @Override
    protected void beforeBorrow() throws SQLException {
        if (dead.get()) {
            throw new SQLException("the process was killed (simulated): no more database work");
        }
    }

    @Override
    protected Connection wrap(Connection borrowed) {
        return intercept(borrowed, (real, method, args) -> {
            if (method.getName().equals("commit") && (args == null || args.length == 0)) {
                if (dead.get()) {
                    throw new SQLException("the process was killed (simulated): commit refused");
                }
                real.commit();
                if (armed.compareAndSet(true, false)) {
                    dead.set(true);
                    fired.countDown();
                    throw new SimulatedKill("after the SSOT COMMIT, before the offset commit");
                }
                return null;
            }
            return invoke(real, method, args);
        });
    }

    /** The projector must not reach past the trap to the pool underneath. */
    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        throw new SQLException("not a wrapper of " + type.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
        return type.isInstance(this);
    }
}
