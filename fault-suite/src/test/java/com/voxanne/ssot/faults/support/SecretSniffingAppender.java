package com.voxanne.ssot.faults.support;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import com.voxanne.ssot.faults.check.LogEvidence;
import com.voxanne.ssot.faults.check.SecretScanner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A logback appender every logger of the test JVM writes to: it reads each event's message, arguments, MDC and whole
 * exception chain (messages of causes and suppressed exceptions) and keeps a masked excerpt of any that carries a fake
 * secret of the suite. One instance per JVM, found with {@link #instance()}.
 */
public final class SecretSniffingAppender extends AppenderBase<ILoggingEvent> implements LogEvidence {
    private static final int MAX_LEAKS = 200;
    private static volatile SecretSniffingAppender instance;

    private final SecretScanner scanner = new SecretScanner(List.of());
    private final AtomicLong scanned = new AtomicLong();
    private final Queue<String> leaks = new ConcurrentLinkedQueue<>();

    public SecretSniffingAppender() {
        instance = this;
    }

    /** The appender logback created from logback-test.xml. */
    public static SecretSniffingAppender instance() {
        org.slf4j.LoggerFactory.getILoggerFactory(); // logback reads logback-test.xml (and creates this appender) on first use
        SecretSniffingAppender a = instance;
        if (a == null) {
            throw new IllegalStateException("SecretSniffingAppender is not configured: is logback-test.xml on the test classpath?");
        }
        return a;
    }

    /** Forgets what was seen (at the start of a run). */
    public void reset() {
        scanned.set(0);
        leaks.clear();
    }

    @Override
    protected void append(ILoggingEvent event) {
        scanned.incrementAndGet();
        StringBuilder text = new StringBuilder();
        text.append(event.getFormattedMessage());
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc != null && !mdc.isEmpty()) {
            text.append(' ').append(mdc);
        }
        appendThrowable(text, event.getThrowableProxy(), 0);
        scanner.excerpt(text.toString()).ifPresent(excerpt -> {
            if (leaks.size() < MAX_LEAKS) {
                leaks.add(event.getLevel() + " " + event.getLoggerName() + ": " + excerpt);
            }
        });
    }

    private static void appendThrowable(StringBuilder text, IThrowableProxy t, int depth) {
        if (t == null || depth > 10) {
            return;
        }
        text.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
        if (t.getSuppressed() != null) {
            for (IThrowableProxy s : t.getSuppressed()) {
                appendThrowable(text, s, depth + 1);
            }
        }
        appendThrowable(text, t.getCause(), depth + 1);
    }

    @Override
    public long eventsScanned() {
        return scanned.get();
    }

    @Override
    public List<String> leaks() {
        return new ArrayList<>(leaks);
    }
}
