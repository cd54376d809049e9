package com.voxanne.ssot.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.apache.avro.Schema;

/** Reads the current schemas (src/main/avro) and test-only schemas (src/test/resources). */
final class TestSchemas {

    private TestSchemas() {
    }

    /** The current contract: every .avsc in src/main/avro, by record name. */
    static Map<String, Schema> current() {
        Path dir = Path.of(System.getProperty("basedir", ".")).resolve("src/main/avro");
        Map<String, Schema> schemas = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".avsc")).sorted().toList()) {
                Schema schema = new Schema.Parser().parse(file.toFile());
                schemas.put(schema.getName(), schema);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.toAbsolutePath(), e);
        }
        if (schemas.isEmpty()) {
            throw new IllegalStateException("no .avsc found in " + dir.toAbsolutePath());
        }
        return schemas;
    }

    /** A schema from the test classpath, e.g. {@code evolution/NumberProvisioned-new-required-field.avsc}. */
    static Schema resource(String path) {
        try (InputStream in = TestSchemas.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("test schema not found: " + path);
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
