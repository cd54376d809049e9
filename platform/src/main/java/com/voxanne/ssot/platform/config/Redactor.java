package com.voxanne.ssot.platform.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Scrubs secrets out of text at the edge (log lines, error messages stored in the database or sent in
 * headers). Knows the configured secret values and also masks the usual credential shapes.
 */
public final class Redactor {
    private static final String MASK = "****";
    private static final Pattern CREDENTIAL_SHAPES = Pattern.compile(
            "(?i)(authorization:\\s*(?:bearer|basic)\\s+)[^\\s\"',]+"
                    + "|((?:password|passwd|auth_?token|api_?key|secret)\"?\\s*[=:]\\s*\"?)[^\\s\"',&]+"
                    + "|(://[^/@\\s:]+:)[^/@\\s]+(@)");

    private final List<String> secrets;

    private Redactor(List<String> secrets) {
        this.secrets = secrets;
    }

    public static Redactor of(Collection<Secret> secrets) {
        List<String> values = new ArrayList<>();
        for (Secret s : secrets) {
            if (s != null && s.reveal().length() >= 4) {
                values.add(s.reveal());
            }
        }
        values.sort(Comparator.comparingInt(String::length).reversed());
        return new Redactor(List.copyOf(values));
    }

    public static Redactor none() {
        return new Redactor(List.of());
    }

    public String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        for (String secret : secrets) {
            out = out.replace(secret, MASK);
        }
        var m = CREDENTIAL_SHAPES.matcher(out);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group(1) != null) {
                replacement = m.group(1) + MASK;
            } else if (m.group(2) != null) {
                replacement = m.group(2) + MASK;
            } else {
                replacement = m.group(3) + MASK + m.group(4);
            }
            m.appendReplacement(sb, java.util.regex.Matcher.quoteReplacement(replacement));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** The message of a throwable chain, redacted, for storage or headers. */
    public String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        Throwable cur = t;
        int depth = 0;
        while (cur != null && depth++ < 5) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(cur.getClass().getSimpleName());
            if (cur.getMessage() != null) {
                sb.append(": ").append(cur.getMessage());
            }
            cur = cur.getCause() == cur ? null : cur.getCause();
        }
        return redact(sb.toString());
    }
}
