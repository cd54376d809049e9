package com.voxanne.ssot.provisioner;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One HTTP exchange with a provider, bounded as a whole by one deadline counted from the send: the request's own
 * timeout bounds the wait for the response headers (that is all {@code java.net.http} bounds), and the body must be
 * complete by the same deadline, or the exchange is cut (its connection closed) and fails with
 * {@link HttpTimeoutException}. A body that trickles or stalls could otherwise keep a purchase in flight past the saga's
 * lease.
 * <p>
 * The exchange runs on the calling thread ({@link HttpClient#send}). {@link HttpClient#sendAsync} hands its answer
 * over through {@code CompletableFuture}'s default executor, and on a machine of two cores or fewer (the common pool's
 * parallelism is then 1) that executor starts a new thread for every answer: one thread start per provider call, which
 * on a loaded 2-core host made each zero-latency call take ~60 ms instead of ~8 ms. The body's deadline is kept by
 * {@code CompletableFuture.orTimeout}, whose timer is one shared JDK thread.
 */
public final class ProviderExchange {
    private ProviderExchange() {
    }

    /**
     * Sends {@code request} (whose {@link HttpRequest#timeout()} should be {@code deadline} or less) and reads its body as
     * UTF-8 text, all within {@code deadline}.
     *
     * @throws HttpTimeoutException no headers, or no complete body, within the deadline
     * @throws IOException          no answer (connection refused or reset, a malformed answer)
     */
    public static HttpResponse<String> send(HttpClient http, HttpRequest request, Duration deadline)
            throws IOException, InterruptedException {
        long deadlineNanos = System.nanoTime() + deadline.toNanos();
        AtomicBoolean bodyExpired = new AtomicBoolean();
        HttpResponse.BodyHandler<String> handler = info -> new DeadlineBody<>(
                HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8), deadlineNanos - System.nanoTime(), bodyExpired);
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            if (bodyExpired.get() && !(e instanceof HttpTimeoutException)) {
                HttpTimeoutException timeout = new HttpTimeoutException("the answer's body was not complete within "
                        + deadline.toMillis() + " ms");
                timeout.initCause(e);
                throw timeout;
            }
            throw e;
        }
    }

    /** A body subscriber that gives up (cancelling its subscription) once its time is spent. */
    private static final class DeadlineBody<T> implements HttpResponse.BodySubscriber<T> {
        private final HttpResponse.BodySubscriber<T> delegate;
        private final CompletableFuture<T> body = new CompletableFuture<>();
        private final AtomicBoolean expired;
        private volatile Flow.Subscription subscription;

        DeadlineBody(HttpResponse.BodySubscriber<T> delegate, long remainingNanos, AtomicBoolean expired) {
            this.delegate = delegate;
            this.expired = expired;
            delegate.getBody().whenComplete((value, failure) -> {
                if (failure == null) {
                    body.complete(value);
                } else {
                    body.completeExceptionally(failure);
                }
            });
            body.orTimeout(Math.max(0, remainingNanos), TimeUnit.NANOSECONDS).whenComplete((value, failure) -> {
                if (failure instanceof java.util.concurrent.TimeoutException) {
                    expired.set(true);
                    cancel();
                }
            });
        }

        private void cancel() {
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
        }

        @Override
        public CompletionStage<T> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            delegate.onSubscribe(s);
            if (expired.get()) {
                s.cancel();
            }
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            delegate.onNext(item);
        }

        @Override
        public void onError(Throwable throwable) {
            delegate.onError(throwable);
        }

        @Override
        public void onComplete() {
            delegate.onComplete();
        }
    }
}
