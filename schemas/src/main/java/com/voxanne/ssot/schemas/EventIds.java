package com.voxanne.ssot.schemas;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.UUID;

/**
 * Deterministic event ids: the same inputs always give the same {@code eventId}, so a producer
 * that retries or redoes a step after a crash emits the same id and consumers can deduplicate.
 *
 * <p>Ids are RFC 4122 version-5 (SHA-1, name-based) UUIDs in the fixed namespace
 * {@link #NAMESPACE}. The name is the UTF-8 bytes of the event type followed, for each key part,
 * by one 0x00 byte and the UTF-8 bytes of the part, e.g. for
 * {@code forRequest("req-1", "NumberProvisioned")} the name is
 * {@code "NumberProvisioned\0req-1"}. Any language with a v5 implementation can reproduce an id.
 * Parts must not contain U+0000, which keeps the encoding unambiguous.
 */
public final class EventIds {

    /**
     * Namespace of every event id: the v5 UUID of the URL {@code urn:voxanne:ssot:event-id} in
     * the RFC 4122 URL namespace. Never change it: every stored eventId depends on it.
     */
    public static final UUID NAMESPACE =
            v5(UUID.fromString("6ba7b811-9dad-11d1-80b4-00c04fd430c8"),
                    "urn:voxanne:ssot:event-id".getBytes(StandardCharsets.UTF_8));

    private EventIds() {
    }

    /**
     * The id of the event of type {@code eventType} (e.g. {@code "NumberProvisioned"}) that a
     * producer emits for provisioning request {@code requestId}.
     */
    public static String forRequest(String requestId, String eventType) {
        return of(eventType, requestId);
    }

    /**
     * The id of an event of type {@code eventType} identified by the given key parts (e.g. a
     * violation: {@code of("SsotViolation", orgId, phoneNumber, "OPEN", missingSince)}).
     *
     * @throws IllegalArgumentException when the type is blank, no part is given, or a part is
     *     null or contains U+0000
     */
    public static String of(String eventType, String... keyParts) {
        requirePart("eventType", eventType);
        if (eventType.isBlank()) {
            throw new IllegalArgumentException("eventType must not be blank");
        }
        Objects.requireNonNull(keyParts, "keyParts");
        if (keyParts.length == 0) {
            throw new IllegalArgumentException("at least one key part is required for event type " + eventType);
        }
        ByteArrayOutputStream name = new ByteArrayOutputStream();
        name.writeBytes(eventType.getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < keyParts.length; i++) {
            requirePart("key part " + i, keyParts[i]);
            name.write(0);
            name.writeBytes(keyParts[i].getBytes(StandardCharsets.UTF_8));
        }
        return v5(NAMESPACE, name.toByteArray()).toString();
    }

    /** RFC 4122 section 4.3 name-based UUID, version 5 (SHA-1). */
    public static UUID v5(UUID namespace, byte[] name) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by the Java platform", e);
        }
        sha1.update(ByteBuffer.allocate(16)
                .putLong(namespace.getMostSignificantBits())
                .putLong(namespace.getLeastSignificantBits())
                .array());
        byte[] hash = sha1.digest(name);
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x50); // version 5
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80); // IETF variant
        ByteBuffer bytes = ByteBuffer.wrap(hash, 0, 16);
        return new UUID(bytes.getLong(), bytes.getLong());
    }

    private static void requirePart(String what, String value) {
        if (value == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " must not contain U+0000");
        }
    }
}
