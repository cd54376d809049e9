package com.voxanne.ssot.faults.check;

import java.util.List;

/**
 * What the log capture saw while the run lasted: how many log events (messages and their exception chains) were
 * scanned for the fake secrets, and the leaks found (masked excerpts). The capture itself lives with the logging
 * backend (a logback appender in the tests).
 */
public interface LogEvidence {
    LogEvidence NONE = new LogEvidence() {
        @Override
        public long eventsScanned() {
            return 0;
        }

        @Override
        public List<String> leaks() {
            return List.of();
        }
    };

    long eventsScanned();

    List<String> leaks();
}
