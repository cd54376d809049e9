package com.voxanne.ssot.schemas.serde;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import com.voxanne.ssot.schemas.registry.RegisteredSchemas;

/**
 * How Avro values travel on the pipeline's topics: the format writers use, and the schema registry (if any) that
 * Confluent-framed values are resolved through. Readers always accept both formats, whatever writers use.
 *
 * @param writes   the format of every value this process writes
 * @param registry the schema registry; required when writing {@link Format#CONFLUENT}; without one, Confluent-framed
 *                 values cannot be read (they are reported as such)
 */
public record AvroWire(Format writes, Optional<RegisteredSchemas> registry) {

    /** A value format. */
    public enum Format {
        /**
         * The Confluent wire format: byte {@code 0x00}, the 4-byte big-endian schema id from the registry, the Avro binary
         * body. What Confluent, Apicurio, Karapace and Redpanda serializers write and what Kafka UI, AKHQ and the other
         * tools decode.
         */
        CONFLUENT("confluent"),
        /** Avro single-object encoding: {@code C3 01}, the 8-byte CRC-64-AVRO fingerprint, the body. No registry. */
        SINGLE_OBJECT("single-object");

        private final String setting;

        Format(String setting) {
            this.setting = setting;
        }

        /** The value of SSOT_AVRO_WIRE_FORMAT that chooses this format. */
        public String setting() {
            return setting;
        }

        /** Parses a SSOT_AVRO_WIRE_FORMAT value ({@code confluent} or {@code single-object}, case-insensitive). */
        public static Format parse(String setting) {
            String s = setting.trim().toLowerCase(Locale.ROOT);
            for (Format f : values()) {
                if (f.setting.equals(s)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown Avro wire format '" + setting + "': use confluent or single-object");
        }
    }

    public AvroWire {
        Objects.requireNonNull(writes, "writes");
        Objects.requireNonNull(registry, "registry");
        if (writes == Format.CONFLUENT && registry.isEmpty()) {
            throw new IllegalArgumentException("the Confluent wire format needs a schema registry (SCHEMA_REGISTRY_URL)");
        }
    }

    /** Single-object encoding, no registry: what the pipeline wrote before it spoke the Confluent format. */
    public static AvroWire singleObject() {
        return new AvroWire(Format.SINGLE_OBJECT, Optional.empty());
    }

    /** The Confluent wire format through {@code registry}. */
    public static AvroWire confluent(RegisteredSchemas registry) {
        return new AvroWire(Format.CONFLUENT, Optional.of(registry));
    }

    /** The subject of a topic's values: Confluent's TopicNameStrategy, {@code <topic>-value}. */
    public static String subjectOf(String topic) {
        return topic + "-value";
    }

    /**
     * The subject of one record type's values on a topic that carries several: Confluent's TopicRecordNameStrategy,
     * {@code <topic>-<record full name>}.
     */
    public static String subjectOf(String topic, String recordFullName) {
        return topic + "-" + recordFullName;
    }
}
