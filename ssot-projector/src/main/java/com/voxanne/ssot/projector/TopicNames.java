package com.voxanne.ssot.projector;

import com.voxanne.ssot.schemas.Topics;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the topic registry from {@code SsotConfig.topicNames()}. Platform keys overridden names by
 * lower-case dashed ids ({@code numbers-provisioned}) while the registry uses upper-case ids
 * ({@code NUMBERS_PROVISIONED}); both spellings are accepted here so an override is never lost.
 */
public final class TopicNames {
    private TopicNames() {
    }

    public static Topics registry(Map<String, String> configuredNames) {
        Map<String, String> byRegistryId = new HashMap<>();
        configuredNames.forEach((id, name) -> byRegistryId.put(id.toUpperCase(Locale.ROOT).replace('-', '_'), name));
        return Topics.withNames(byRegistryId);
    }
}
