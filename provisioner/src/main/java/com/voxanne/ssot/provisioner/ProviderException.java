package com.voxanne.ssot.provisioner;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * A call to a provider (Twilio, Vapi) that did not succeed, classified by what the saga may conclude from it.
 * The classification is the whole point: buying a number costs money, so the saga compensates only after a
 * {@link Kind#PERMANENT} refusal and reads back after an {@link Kind#AMBIGUOUS} one.
 */
public final class ProviderException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What a failed call tells about the world. */
    public enum Kind {
        /** The provider refused the call (4xx other than 408/429): nothing happened and retrying will not help. */
        PERMANENT,
        /**
         * The outcome is unknown or the provider is unavailable for now (timeout, reset, 5xx, 408, 429): a write
         * may or may not have taken effect. Read back before deciding; retry with backoff.
         */
        AMBIGUOUS
    }

    private final Kind kind;
    private final String provider;
    private final String operation;
    private final int httpStatus;

    private ProviderException(Kind kind, String provider, String operation, int httpStatus, String message, Throwable cause) {
        super(provider + " " + operation + " failed" + (httpStatus > 0 ? " with HTTP " + httpStatus : "") + ": " + message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.provider = provider;
        this.operation = operation;
        this.httpStatus = httpStatus;
    }

    public static ProviderException permanent(String provider, String operation, int httpStatus, String message) {
        return new ProviderException(Kind.PERMANENT, provider, operation, httpStatus, message, null);
    }

    public static ProviderException ambiguous(String provider, String operation, int httpStatus, String message, Throwable cause) {
        return new ProviderException(Kind.AMBIGUOUS, provider, operation, httpStatus, message, cause);
    }

    /** The failure an HTTP status says: 4xx refusals are permanent, except 408 (timeout) and 429 (throttled). */
    public static ProviderException fromStatus(String provider, String operation, int httpStatus, String message) {
        return kindOf(httpStatus) == Kind.PERMANENT
                ? permanent(provider, operation, httpStatus, message)
                : ambiguous(provider, operation, httpStatus, message, null);
    }

    public static Kind kindOf(int httpStatus) {
        boolean clientError = httpStatus >= 400 && httpStatus < 500;
        return clientError && httpStatus != 408 && httpStatus != 429 ? Kind.PERMANENT : Kind.AMBIGUOUS;
    }

    public Kind kind() {
        return kind;
    }

    public boolean isPermanent() {
        return kind == Kind.PERMANENT;
    }

    public String provider() {
        return provider;
    }

    public String operation() {
        return operation;
    }

    /** The HTTP status the provider answered, empty when there was no answer (timeout, connection reset). */
    public OptionalInt httpStatus() {
        return httpStatus > 0 ? OptionalInt.of(httpStatus) : OptionalInt.empty();
    }
}
