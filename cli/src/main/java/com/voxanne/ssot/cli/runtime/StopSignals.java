package com.voxanne.ssot.cli.runtime;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) and SIGTERM as a request to stop, not as the end of the JVM: the command closes everything in order
 * on its own thread and exits 0, where the JVM's default would run shutdown hooks and exit 130 (143). A second
 * signal while stopping is only acknowledged: stopping is already under way, and cutting it short would leave
 * PostgreSQL behind.
 *
 * <p>A process started in the background of a non-interactive shell inherits SIGINT ignored, and the JVM keeps it
 * ignored: such a process stops on SIGTERM.
 */
public final class StopSignals {
    private static final Logger log = LoggerFactory.getLogger(StopSignals.class);

    private final CountDownLatch requested = new CountDownLatch(1);

    private StopSignals() {
    }

    public static StopSignals install() {
        StopSignals signals = new StopSignals();
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), signals::onSignal);
            } catch (IllegalArgumentException e) {
                // the signal is reserved or ignored here: the JVM's default (shutdown hooks) applies
                log.debug("Cannot handle SIG{}: {}", name, e.getMessage());
            }
        }
        return signals;
    }

    private void onSignal(Signal signal) {
        if (requested.getCount() == 0) {
            System.err.println("Still stopping ...");
            return;
        }
        log.info("SIG{} received: stopping", signal.getName());
        requested.countDown();
    }

    public boolean requested() {
        return requested.getCount() == 0;
    }

    public void await() throws InterruptedException {
        requested.await();
    }
}
