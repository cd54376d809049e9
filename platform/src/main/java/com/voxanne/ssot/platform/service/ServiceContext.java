package com.voxanne.ssot.platform.service;

import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.Redactor;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.kafka.KafkaClients;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What every service is built from: the validated shared config, the raw source (for the service's own
 * settings), where Kafka and Postgres are (already resolved: external or embedded), the process's
 * metrics and health registries, and the redactor for anything that leaves the process.
 */
public record ServiceContext(
        SsotConfig config,
        ConfigSource source,
        KafkaClients kafka,
        DatabaseSettings database,
        MeterRegistry metrics,
        HealthRegistry health,
        Redactor redactor) {
}
