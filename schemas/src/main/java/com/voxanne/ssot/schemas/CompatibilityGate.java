package com.voxanne.ssot.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaIncompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * The schema evolution rule of the contract: a candidate schema must be FULL-TRANSITIVE
 * compatible with every released version of its record, i.e. for every released version
 * {@code old}
 * <ul>
 *   <li>a reader on the candidate decodes bytes written with {@code old} (backward), and</li>
 *   <li>a reader on {@code old} decodes bytes written with the candidate (forward),</li>
 * </ul>
 * as judged by {@link SchemaCompatibility#checkReaderWriterCompatibility}. Producers and
 * consumers can therefore be upgraded in any order (given the consumer knows the writer
 * schema, see {@link SchemaHistory}).
 *
 * <p>The build runs this gate over {@code src/main/avro} and {@link SchemaHistory#bundled()}.
 */
public final class CompatibilityGate {

    /**
     * This rule under its schema registry name: {@code ./ssot setup} sets it on every subject of ours, so the registry
     * refuses any producer's schema that our build would refuse.
     */
    public static final String REGISTRY_LEVEL = "FULL_TRANSITIVE";

    /** Which side of the pair was the candidate. */
    public enum Direction {
        /** reader = candidate, writer = released version: new code reads old bytes. */
        BACKWARD,
        /** reader = released version, writer = candidate: old code reads new bytes. */
        FORWARD
    }

    /** One reason why the candidate is incompatible with one released version. */
    public record Finding(String recordName, int version, Direction direction,
                          SchemaIncompatibilityType type, String location, String message) {
        @Override
        public String toString() {
            String pair = direction == Direction.BACKWARD
                    ? "reader=candidate, writer=v" + version
                    : "reader=v" + version + ", writer=candidate";
            return recordName + " (" + pair + "): " + type + " at " + location + ": " + message;
        }
    }

    /** Thrown by {@link #requireCompatible} when the gate finds any incompatibility. */
    public static final class IncompatibleSchemaException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient List<Finding> findings;

        IncompatibleSchemaException(String message, List<Finding> findings) {
            super(message);
            this.findings = List.copyOf(findings);
        }

        public List<Finding> findings() {
            return findings;
        }
    }

    private CompatibilityGate() {
    }

    /**
     * Checks the candidate against every released version in both directions.
     *
     * @return every incompatibility found; empty when the candidate may be released
     */
    public static List<Finding> findings(Schema candidate, List<SchemaHistory.Version> released) {
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(released, "released");
        List<Finding> findings = new ArrayList<>();
        for (SchemaHistory.Version old : released) {
            collect(findings, old, Direction.BACKWARD,
                    SchemaCompatibility.checkReaderWriterCompatibility(candidate, old.schema()));
            collect(findings, old, Direction.FORWARD,
                    SchemaCompatibility.checkReaderWriterCompatibility(old.schema(), candidate));
        }
        return List.copyOf(findings);
    }

    /**
     * Like {@link #findings}, but fails loudly.
     *
     * @throws IncompatibleSchemaException listing every finding, with its
     *     {@link SchemaIncompatibilityType} (e.g. READER_FIELD_MISSING_DEFAULT_VALUE), version,
     *     direction and location
     */
    public static void requireCompatible(Schema candidate, List<SchemaHistory.Version> released) {
        List<Finding> findings = findings(candidate, released);
        if (!findings.isEmpty()) {
            String versions = released.stream().map(v -> "v" + v.version()).collect(Collectors.joining(", "));
            throw new IncompatibleSchemaException("schema " + candidate.getFullName()
                    + " is not compatible both ways with released versions [" + versions + "]:\n  "
                    + findings.stream().map(Finding::toString).collect(Collectors.joining("\n  "))
                    + "\nAdd a default to new fields, keep removed fields' defaults, never change a type"
                    + " incompatibly; released schemas are in " + SchemaHistory.DEFAULT_BASE + "/.",
                    findings);
        }
    }

    private static void collect(List<Finding> into, SchemaHistory.Version old, Direction direction,
                                SchemaPairCompatibility pair) {
        if (pair.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        for (Incompatibility incompatibility : pair.getResult().getIncompatibilities()) {
            into.add(new Finding(old.recordName(), old.version(), direction, incompatibility.getType(),
                    incompatibility.getLocation(), incompatibility.getMessage()));
        }
    }
}
