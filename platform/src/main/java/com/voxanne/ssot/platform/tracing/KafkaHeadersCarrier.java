package com.voxanne.ssot.platform.tracing;

import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Kafka record headers as the carrier of a propagated context: header values are UTF-8 text, as the W3C trace
 * context headers are on the wire. Setting a header replaces any earlier one of that name, so a record re-sent with
 * its original headers never carries two {@code traceparent}s.
 */
public final class KafkaHeadersCarrier implements TextMapGetter<Headers>, TextMapSetter<Headers> {
    public static final KafkaHeadersCarrier INSTANCE = new KafkaHeadersCarrier();

    private KafkaHeadersCarrier() {
    }

    @Override
    public Iterable<String> keys(Headers headers) {
        Set<String> keys = new LinkedHashSet<>();
        for (Header h : headers) {
            keys.add(h.key());
        }
        return keys;
    }

    @Override
    public String get(Headers headers, String key) {
        if (headers == null) {
            return null;
        }
        Header h = headers.lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void set(Headers headers, String key, String value) {
        if (headers == null || value == null) {
            return;
        }
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
