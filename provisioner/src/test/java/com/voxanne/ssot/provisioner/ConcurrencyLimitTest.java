package com.voxanne.ssot.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConcurrencyLimitTest {

    @Test
    void shouldNotSendACallAndSayItIsTransientWhenEverySlotStaysBusy() throws Exception {
        // given: a limit of one, held by a call in flight
        ConcurrencyLimit limit = new ConcurrencyLimit("Twilio", 1, Duration.ofMillis(200));
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
            try {
                return limit.call("buy +14155550100", () -> {
                    try {
                        return finish.await(10, TimeUnit.SECONDS) ? "bought" : "timed out";
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return "interrupted";
                    }
                });
            } catch (ProviderException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> limit.inFlight() == 1);

        // when / then: the second call is never run, and fails as ambiguous (retried with backoff, read back first)
        assertThatThrownBy(() -> limit.call("buy +14155550101", () -> "must not run"))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ProviderException.Kind.AMBIGUOUS);
                    assertThat(e.getMessage()).contains("not sent").contains("1 call slots");
                });
        finish.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("bought");
        assertThat(limit.inFlight()).isZero();
        assertThat(limit.call("buy +14155550101", () -> "bought")).isEqualTo("bought");
    }

    @Test
    void shouldReadRetryAfterAsSecondsOrHttpDateAndCapIt() {
        java.time.Instant now = java.time.Instant.parse("2026-12-02T01:00:00Z");

        assertThat(ProviderException.parseRetryAfter("3", now)).contains(Duration.ofSeconds(3));
        assertThat(ProviderException.parseRetryAfter("Wed, 02 Dec 2026 01:00:30 GMT", now)).contains(Duration.ofSeconds(30));
        assertThat(ProviderException.parseRetryAfter("86400", now)).contains(ProviderException.MAX_RETRY_AFTER);
        assertThat(ProviderException.parseRetryAfter("soon", now)).isEmpty();
        assertThat(ProviderException.parseRetryAfter(null, now)).isEmpty();
    }
}
