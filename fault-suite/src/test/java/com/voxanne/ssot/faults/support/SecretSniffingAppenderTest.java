package com.voxanne.ssot.faults.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.faults.system.FakeSecrets;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The log capture the NO_SECRET_LEAK invariant relies on sees messages, arguments and whole exception chains. */
class SecretSniffingAppenderTest {

    @Test
    void shouldCaptureASecretInAMessageArgumentOrAnExceptionCause() {
        // given
        SecretSniffingAppender sniffer = SecretSniffingAppender.instance();
        sniffer.reset();
        Logger log = LoggerFactory.getLogger("com.voxanne.ssot.faults.sniffer-test");

        // when
        log.info("a clean line");
        log.warn("calling with key {}", FakeSecrets.MARKER + "-TEST-ARG");
        log.error("request failed", new IllegalStateException("wrapper", new RuntimeException("bad token " + FakeSecrets.MARKER + "-TEST-CAUSE")));

        // then
        assertThat(sniffer.eventsScanned()).isGreaterThanOrEqualTo(3);
        assertThat(sniffer.leaks()).hasSize(2).noneMatch(l -> l.contains(FakeSecrets.MARKER))
                .anyMatch(l -> l.contains("calling with key")).anyMatch(l -> l.contains("bad token"));
        sniffer.reset();
    }
}
