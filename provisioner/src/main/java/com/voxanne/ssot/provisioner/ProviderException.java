package com.voxanne.ssot.provisioner;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A call to a provider (Twilio, Vapi) that did not succeed, classified by what the saga may conclude from it.
 * The classification is the whole point: buying a number costs money, so the saga compensates only after a
 * {@link Kind#PERMANENT} refusal and reads back after an {@link Kind#AMBIGUOUS} one.
 */
public final class ProviderException extends Exception {
    private static final long serialVersionUID = 2L;

    /** What a failed call tells about the world. */
    public enum Kind {
        /** The provider refused the call (4xx other than 408/429): nothing happened and retrying will not help. */
        PERMANENT,
        /**
         * The outcome is unknown or the provider is unavailable for now (timeout, reset, 5xx, 408, 429): a write
         * may or may not have taken effect. Read back before deciding; retry with backoff.
         */
        AMBIGUOUS,
        /**
         * The provider refused OUR configuration, not this request: credentials refused (401, 403) or an address that
         * serves nothing (a 404 on a collection, i.e. a wrong base URL). Nothing happened, and no request can succeed
         * until an operator fixes it: the saga waits where it is (the provider circuit opens), nothing is compensated.
         */
        CONFIGURATION
    }

    /** Twilio's error code for "PhoneNumber is not available": someone owns it (maybe we do, after an earlier attempt). */
    public static final int TWILIO_NUMBER_NOT_AVAILABLE = 21422;

    private final Kind kind;
    private final String provider;
    private final String operation;
    private final int httpStatus;
    private final int providerCode;
    private Duration retryAfter;

    private ProviderException(Kind kind, String provider, String operation, int httpStatus, int providerCode, String message,
                              Throwable cause) {
        super(provider + " " + operation + " failed" + (httpStatus > 0 ? " with HTTP " + httpStatus : "") + ": " + message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.provider = provider;
        this.operation = operation;
        this.httpStatus = httpStatus;
        this.providerCode = providerCode;
    }

    private ProviderException(Kind kind, String provider, String operation, int httpStatus, String message, Throwable cause) {
        this(kind, provider, operation, httpStatus, 0, message, cause);
    }

    public static ProviderException permanent(String provider, String operation, int httpStatus, String message) {
        return new ProviderException(Kind.PERMANENT, provider, operation, httpStatus, message, null);
    }

    public static ProviderException ambiguous(String provider, String operation, int httpStatus, String message, Throwable cause) {
        return new ProviderException(Kind.AMBIGUOUS, provider, operation, httpStatus, message, cause);
    }

    public static ProviderException configuration(String provider, String operation, int httpStatus, String message) {
        return new ProviderException(Kind.CONFIGURATION, provider, operation, httpStatus, message, null);
    }

    /**
     * The failure an HTTP status says: 401/403 are our configuration, other 4xx refusals are permanent, except 408
     * (timeout) and 429 (throttled), which are ambiguous like 5xx.
     */
    public static ProviderException fromStatus(String provider, String operation, int httpStatus, String message) {
        return fromStatus(provider, operation, httpStatus, 0, message);
    }

    /** As {@link #fromStatus(String, String, int, String)}, keeping the provider's own error code (Twilio's 21422). */
    public static ProviderException fromStatus(String provider, String operation, int httpStatus, int providerCode, String message) {
        return new ProviderException(kindOf(httpStatus), provider, operation, httpStatus, providerCode, message, null);
    }

    public static Kind kindOf(int httpStatus) {
        if (httpStatus == 401 || httpStatus == 403) {
            return Kind.CONFIGURATION;
        }
        boolean clientError = httpStatus >= 400 && httpStatus < 500;
        return clientError && httpStatus != 408 && httpStatus != 429 ? Kind.PERMANENT : Kind.AMBIGUOUS;
    }

    /** The same failure, reclassified as our configuration (a 404 where only a wrong base URL can answer 404). */
    public ProviderException asConfiguration(String why) {
        return new ProviderException(Kind.CONFIGURATION, provider, operation, httpStatus, providerCode,
                stripPrefix() + " (" + why + ")", getCause());
    }

    private String stripPrefix() {
        String m = getMessage();
        int i = m.indexOf(": ");
        return i < 0 ? m : m.substring(i + 2);
    }

    public Kind kind() {
        return kind;
    }

    public boolean isPermanent() {
        return kind == Kind.PERMANENT;
    }

    /** Notes the provider's Retry-After (a 429 or 503 said when to come back); returns this exception. */
    public ProviderException withRetryAfter(Duration wait) {
        this.retryAfter = wait;
        return this;
    }

    /** How long the provider asked us to wait before the next call (Retry-After), if it said. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** Longest Retry-After honoured: a provider answer must not park a saga for longer than this. */
    static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(10);

    /**
     * A Retry-After header value: delta-seconds or an HTTP date. Empty when absent or unreadable; capped at
     * {@link #MAX_RETRY_AFTER}.
     */
    public static Optional<Duration> parseRetryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        String v = header.trim();
        Duration wait;
        try {
            wait = Duration.ofSeconds(Long.parseLong(v));
        } catch (NumberFormatException notSeconds) {
            try {
                wait = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
        if (wait.isNegative()) {
            return Optional.of(Duration.ZERO);
        }
        return Optional.of(wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait);
    }

    public boolean isConfiguration() {
        return kind == Kind.CONFIGURATION;
    }

    /** The provider's own error code (e.g. Twilio's 21422), 0 when it gave none. */
    public int providerCode() {
        return providerCode;
    }

    /** Twilio refused to sell the number because someone owns it: another buyer, or us after an earlier attempt. */
    public boolean isNumberNotAvailable() {
        return providerCode == TWILIO_NUMBER_NOT_AVAILABLE;
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
