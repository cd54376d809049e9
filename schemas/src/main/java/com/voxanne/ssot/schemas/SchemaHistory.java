package com.voxanne.ssot.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * Every released version of every record schema of the contract, as shipped in this jar under
 * {@value #DEFAULT_BASE}.
 *
 * <p>Single-object encoded bytes name their writer schema only by fingerprint, so a reader can
 * decode bytes written by an older producer only if it knows that older schema. The versions
 * are listed in an index file ({@value #DEFAULT_BASE}/{@value #INDEX_FILE}, one
 * {@code <RecordName>/v<N>.avsc} per line) because listing a classpath directory inside a jar is
 * unreliable. Versions of a record are numbered 1, 2, 3... without gaps; the highest one is the
 * current schema.
 *
 * <p>Immutable and thread-safe. {@link #bundled()} loads the shipped history once per JVM.
 */
public final class SchemaHistory {

    /** Classpath directory holding the shipped history. */
    public static final String DEFAULT_BASE = "avro-history";
    /** Name of the index file inside the history directory. */
    public static final String INDEX_FILE = "index";

    private static final Pattern ENTRY = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)/v([0-9]+)\\.avsc");

    /** One released version of one record schema. */
    public record Version(String recordName, int version, Schema schema, long fingerprint) {
        public Version {
            Objects.requireNonNull(recordName, "recordName");
            Objects.requireNonNull(schema, "schema");
            if (version < 1) {
                throw new IllegalArgumentException("version must be >= 1, was " + version);
            }
        }

        /** Builds a version, computing the CRC-64-AVRO parsing fingerprint of the schema. */
        public static Version of(String recordName, int version, Schema schema) {
            return new Version(recordName, version, schema, SchemaNormalization.parsingFingerprint64(schema));
        }

        @Override
        public String toString() {
            return recordName + " v" + version + " (fingerprint " + String.format("%016x", fingerprint) + ")";
        }
    }

    private static final class Holder {
        private static final SchemaHistory BUNDLED =
                load(SchemaHistory.class.getClassLoader(), DEFAULT_BASE);
    }

    private final Map<String, List<Version>> versionsByRecord;

    private SchemaHistory(Map<String, List<Version>> versionsByRecord) {
        this.versionsByRecord = versionsByRecord;
    }

    /** The history shipped in this jar, loaded once. */
    public static SchemaHistory bundled() {
        return Holder.BUNDLED;
    }

    /**
     * Loads a history from {@code <base>/index} on the given class loader.
     *
     * @throws IllegalStateException naming the resource when the index or a listed schema is
     *     missing, unparsable, misnamed, or the versions of a record have gaps
     */
    public static SchemaHistory load(ClassLoader classLoader, String base) {
        Objects.requireNonNull(classLoader, "classLoader");
        Objects.requireNonNull(base, "base");
        String indexResource = base + "/" + INDEX_FILE;
        String index = readResource(classLoader, indexResource);
        List<Version> versions = new ArrayList<>();
        int lineNumber = 0;
        for (String rawLine : index.split("\\R")) {
            lineNumber++;
            String line = rawLine.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher matcher = ENTRY.matcher(line);
            if (!matcher.matches()) {
                throw new IllegalStateException(indexResource + " line " + lineNumber
                        + ": expected <RecordName>/v<N>.avsc, was '" + line + "'");
            }
            String recordName = matcher.group(1);
            int version = Integer.parseInt(matcher.group(2));
            String resource = base + "/" + line;
            Schema schema;
            try {
                schema = new Schema.Parser().parse(readResource(classLoader, resource));
            } catch (RuntimeException e) {
                throw new IllegalStateException("cannot parse schema " + resource + ": " + e.getMessage(), e);
            }
            if (schema.getType() != Schema.Type.RECORD || !schema.getName().equals(recordName)) {
                throw new IllegalStateException(resource + " must define record " + recordName
                        + ", defines " + schema.getType() + " " + schema.getFullName());
            }
            versions.add(Version.of(recordName, version, schema));
        }
        return of(versions);
    }

    /**
     * Builds a history from explicit versions (e.g. a test history).
     *
     * @throws IllegalStateException when the versions of a record are not exactly 1..n, or two
     *     versions of a record disagree on the record's full name
     */
    public static SchemaHistory of(List<Version> versions) {
        Map<String, List<Version>> grouped = new LinkedHashMap<>();
        for (Version v : versions) {
            grouped.computeIfAbsent(v.recordName(), k -> new ArrayList<>()).add(v);
        }
        Map<String, List<Version>> result = new LinkedHashMap<>();
        grouped.forEach((name, list) -> {
            list.sort((a, b) -> Integer.compare(a.version(), b.version()));
            String fullName = list.get(0).schema().getFullName();
            for (int i = 0; i < list.size(); i++) {
                Version v = list.get(i);
                if (v.version() != i + 1) {
                    throw new IllegalStateException("versions of " + name + " must be numbered 1.." + list.size()
                            + " without gaps or duplicates, found v" + v.version() + " at position " + (i + 1));
                }
                if (!v.schema().getFullName().equals(fullName)) {
                    throw new IllegalStateException(v + " is named " + v.schema().getFullName()
                            + " but v1 is named " + fullName + "; a rename needs an alias, not a new name");
                }
            }
            result.put(name, List.copyOf(list));
        });
        return new SchemaHistory(Collections.unmodifiableMap(result));
    }

    /** Simple names of all records with a history, in index order. */
    public Set<String> recordNames() {
        return versionsByRecord.keySet();
    }

    /**
     * All released versions of a record, oldest first.
     *
     * @param recordName simple name, e.g. {@code NumberProvisioned}
     * @throws IllegalArgumentException when the record has no history
     */
    public List<Version> versions(String recordName) {
        List<Version> versions = versionsByRecord.get(recordName);
        if (versions == null) {
            throw new IllegalArgumentException("no schema history for record '" + recordName
                    + "'; known records: " + versionsByRecord.keySet());
        }
        return versions;
    }

    /** The schemas of all released versions of a record, oldest first. */
    public List<Schema> schemas(String recordName) {
        return versions(recordName).stream().map(Version::schema).toList();
    }

    /** The newest released version of a record. */
    public Version latest(String recordName) {
        List<Version> versions = versions(recordName);
        return versions.get(versions.size() - 1);
    }

    /** Every version of every record, in index order. */
    public List<Version> all() {
        return versionsByRecord.values().stream().flatMap(List::stream).toList();
    }

    /** The first released version (of any record) whose parsing fingerprint is {@code fingerprint}. */
    public Optional<Version> byFingerprint(long fingerprint) {
        return all().stream().filter(v -> v.fingerprint() == fingerprint).findFirst();
    }

    private static String readResource(ClassLoader classLoader, String resource) {
        try (InputStream in = classLoader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("schema history resource not found on the classpath: " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schema history resource " + resource, e);
        }
    }
}
