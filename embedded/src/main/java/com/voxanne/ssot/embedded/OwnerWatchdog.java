package com.voxanne.ssot.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Optional;

/**
 * Main class of a child JVM that must not outlive the process that started it (its owner): watches the owner, then runs
 * the real main class in the same JVM. Started as
 * {@code java -cp <this jar>:<app jar> com.voxanne.ssot.embedded.OwnerWatchdog <owner pid> <main class> [args...]}.
 *
 * <p>The owner is gone when either (checked by two daemon threads):
 * <ul>
 *   <li>standard input reaches end of file: the owner holds the other end of that pipe and never writes to it, and the
 *       kernel closes it when the owner ends, however it ends ({@code kill -9} included, and also while the dead owner
 *       is still an unreaped zombie);</li>
 *   <li>this process's parent is no longer the owner (an orphan is re-parented the moment its parent exits), or, if the
 *       owner was not the parent to begin with, the owner's pid no longer runs.</li>
 * </ul>
 * Then it calls {@link System#exit} (the application's shutdown hooks run: a registry closes its database cleanly), and
 * halts the JVM if that has not finished within {@value #HALT_AFTER_MS} ms.
 *
 * <p>Uses only the JDK: nothing else of this project is on the child's classpath.
 */
public final class OwnerWatchdog {
    static final int OWNER_GONE_EXIT_CODE = 3;
    static final int HALTED_EXIT_CODE = 4;
    private static final long POLL_MS = 500;
    private static final long HALT_AFTER_MS = 30_000;
    /** Set once this JVM shuts down for any other reason (SIGTERM from the owner): its stdin may close then too. */
    private static volatile boolean shuttingDown;

    private OwnerWatchdog() {
    }

    public static void main(String[] args) throws Throwable {
        if (args.length < 2) {
            System.err.println("usage: OwnerWatchdog <owner pid> <main class> [args...]");
            System.exit(2);
        }
        long owner = Long.parseLong(args[0]);
        String mainClass = args[1];
        String[] rest = Arrays.copyOfRange(args, 2, args.length);
        watch(owner);
        Method main = Class.forName(mainClass, true, Thread.currentThread().getContextClassLoader()).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) rest);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void watch(long owner) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> shuttingDown = true, "ssot-owner-watchdog-shutdown"));
        Optional<Long> parent = ProcessHandle.current().parent().map(ProcessHandle::pid);
        boolean ownerIsParent = parent.isPresent() && parent.get() == owner;
        daemon("ssot-owner-watchdog-stdin", () -> {
            InputStream in = System.in;
            try {
                while (in.read() >= 0) {
                    // the owner never writes; anything read is ignored until the pipe closes
                }
                ownerGone(owner, "standard input closed");
            } catch (IOException e) {
                ownerGone(owner, "standard input failed: " + e.getMessage());
            }
        });
        daemon("ssot-owner-watchdog-pid", () -> {
            while (true) {
                boolean gone = ownerIsParent
                        ? ProcessHandle.current().parent().map(ProcessHandle::pid).filter(p -> p == owner).isEmpty()
                        : !ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false);
                if (gone) {
                    ownerGone(owner, ownerIsParent ? "no longer the parent" : "no longer running");
                    return;
                }
                try {
                    Thread.sleep(POLL_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    private static void ownerGone(long owner, String how) {
        if (shuttingDown) {
            return; // stopping already (the owner asked): nothing to do, and nothing to report
        }
        System.err.println("[ssot watchdog] owner process " + owner + " is gone (" + how + "): stopping");
        System.err.flush();
        daemon("ssot-owner-watchdog-halt", () -> {
            try {
                Thread.sleep(HALT_AFTER_MS);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("[ssot watchdog] shutdown took over " + HALT_AFTER_MS + " ms: halting");
            Runtime.getRuntime().halt(HALTED_EXIT_CODE);
        });
        System.exit(OWNER_GONE_EXIT_CODE);
    }

    private static void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }
}
