package com.voxanne.ssot.platform.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloserTest {
    @Test
    void shouldCloseInReverseOrderAndKeepClosingAfterAFailure() {
        // given: three parts, the middle one fails to close
        List<String> closed = new ArrayList<>();
        Closer closer = new Closer("test");
        closer.register("first", () -> closed.add("first"));
        closer.onClose("second", () -> {
            closed.add("second");
            throw new IllegalStateException("second broke");
        });
        closer.onClose("third", () -> closed.add("third"));

        // when / then: every part closed, newest first, and the failure is reported, not swallowed
        assertThatThrownBy(closer::close).isInstanceOf(Closer.CloseException.class)
                .hasMessageContaining("1 part(s)")
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
                        .satisfies(s -> assertThat(s).hasMessage("second broke")));
        assertThat(closed).containsExactly("third", "second", "first");

        // and a second close closes nothing again
        closer.close();
        assertThat(closed).hasSize(3);
    }

    @Test
    void shouldKeepTheInterruptAndReportIt() {
        Closer closer = new Closer("test");
        closer.onClose("wait", () -> {
            throw new InterruptedException("stop");
        });
        try {
            assertThatThrownBy(closer::close).isInstanceOf(Closer.CloseException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void shouldAddACloseFailureToTheCauseOfAFailedStart() {
        IllegalStateException cause = new IllegalStateException("start failed");

        IllegalStateException thrown = Closer.closeAfter(cause, () -> {
            throw new IllegalStateException("close failed too");
        });

        assertThat(thrown).isSameAs(cause);
        assertThat(thrown.getSuppressed()).extracting(Throwable::getMessage).containsExactly("close failed too");
    }
}
