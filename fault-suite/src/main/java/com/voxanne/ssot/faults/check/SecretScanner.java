package com.voxanne.ssot.faults.check;

import com.voxanne.ssot.faults.system.FakeSecrets;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Looks for the run's fake secrets (and their common {@link FakeSecrets#MARKER}, so that a truncated secret counts too)
 * in text and bytes. What it reports is an excerpt with the secret itself masked: a leak report must not leak.
 */
public final class SecretScanner {
    private static final String MASK = "<FAKE-SECRET>";
    private final List<String> needles;

    public SecretScanner(Collection<String> secrets) {
        List<String> all = new ArrayList<>(secrets);
        all.sort((a, b) -> Integer.compare(b.length(), a.length()));
        all.add(FakeSecrets.MARKER);
        this.needles = List.copyOf(all);
    }

    public boolean leaks(String text) {
        return text != null && needles.stream().anyMatch(text::contains);
    }

    /** Bytes as ISO-8859-1, so an ASCII secret is found whatever encoding surrounds it (UTF-8, Avro strings, JSON). */
    public boolean leaks(byte[] bytes) {
        return bytes != null && leaks(new String(bytes, StandardCharsets.ISO_8859_1));
    }

    /** Up to 60 characters either side of the first hit, with every secret masked; empty when nothing leaks. */
    public Optional<String> excerpt(String text) {
        if (!leaks(text)) {
            return Optional.empty();
        }
        int at = needles.stream().mapToInt(text::indexOf).filter(i -> i >= 0).min().orElse(0);
        String around = text.substring(Math.max(0, at - 60), Math.min(text.length(), at + 100));
        for (String needle : needles) {
            around = around.replace(needle, MASK);
        }
        return Optional.of(around.replaceAll("\\s+", " "));
    }

    public Optional<String> excerpt(byte[] bytes) {
        return bytes == null ? Optional.empty() : excerpt(new String(bytes, StandardCharsets.ISO_8859_1));
    }
}
