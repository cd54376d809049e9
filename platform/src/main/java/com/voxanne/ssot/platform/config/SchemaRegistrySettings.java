package com.voxanne.ssot.platform.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.voxanne.ssot.schemas.registry.RegisteredSchemas;
import com.voxanne.ssot.schemas.registry.SchemaRegistryClient;
import com.voxanne.ssot.schemas.serde.AvroWire;

/**
 * Where the schema registry is and how values are written.
 *
 * @param url              SCHEMA_REGISTRY_URL: base of a Confluent-compatible API (Confluent {@code http://host:8081},
 *                         Apicurio {@code http://host:8080/apis/ccompat/v7}); empty means no registry
 * @param basicAuthUserInfo SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: {@code user:password} for HTTP basic auth (a secret)
 * @param bearerToken      SCHEMA_REGISTRY_BEARER_AUTH_TOKEN: a bearer token (a secret)
 * @param writes           SSOT_AVRO_WIRE_FORMAT: {@code confluent} (the default with a registry) or
 *                         {@code single-object} (the default without one, and the setting for deployments that must
 *                         stay on it, or that are halfway through the upgrade)
 */
public record SchemaRegistrySettings(Optional<String> url, Optional<Secret> basicAuthUserInfo, Optional<Secret> bearerToken,
                                     AvroWire.Format writes) {

    /** One cache of ids and schemas per registry and process: an id never changes meaning in a registry. */
    private static final Map<String, RegisteredSchemas> SHARED = new ConcurrentHashMap<>();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    public SchemaRegistrySettings {
        List<String> problems = new ArrayList<>();
        url.ifPresent(u -> {
            try {
                SchemaRegistryClient.of(u);
            } catch (IllegalArgumentException e) {
                problems.add("SCHEMA_REGISTRY_URL: " + e.getMessage());
            }
        });
        if (basicAuthUserInfo.isPresent() && bearerToken.isPresent()) {
            problems.add("set SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO or SCHEMA_REGISTRY_BEARER_AUTH_TOKEN, not both");
        }
        basicAuthUserInfo.filter(s -> !s.reveal().contains(":"))
                .ifPresent(s -> problems.add("SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO must be user:password"));
        if ((basicAuthUserInfo.isPresent() || bearerToken.isPresent()) && url.isEmpty()) {
            problems.add("schema registry credentials are set but SCHEMA_REGISTRY_URL is not");
        }
        if (writes == AvroWire.Format.CONFLUENT && url.isEmpty()) {
            problems.add("SSOT_AVRO_WIRE_FORMAT=confluent needs SCHEMA_REGISTRY_URL");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(String.join("; ", problems));
        }
    }

    static SchemaRegistrySettings from(ConfigSource source) {
        Optional<String> url = source.get("SCHEMA_REGISTRY_URL").map(String::trim).filter(u -> !u.isEmpty());
        AvroWire.Format writes;
        try {
            writes = source.get("SSOT_AVRO_WIRE_FORMAT").map(AvroWire.Format::parse)
                    .orElse(url.isPresent() ? AvroWire.Format.CONFLUENT : AvroWire.Format.SINGLE_OBJECT);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("SSOT_AVRO_WIRE_FORMAT: " + e.getMessage());
        }
        return new SchemaRegistrySettings(url, source.secret("SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO"),
                source.secret("SCHEMA_REGISTRY_BEARER_AUTH_TOKEN"), writes);
    }

    /** A client of the registry (empty without SCHEMA_REGISTRY_URL). */
    public Optional<SchemaRegistryClient> client() {
        return url.map(u -> new SchemaRegistryClient(u, auth(), REQUEST_TIMEOUT));
    }

    /** How the Avro topics carry values: the writers' format, and the registry (shared per process) to resolve ids. */
    public AvroWire wire() {
        Optional<RegisteredSchemas> registry = url.map(u -> SHARED.computeIfAbsent(u + "|" + authKind(),
                k -> new RegisteredSchemas(client().orElseThrow())));
        return new AvroWire(writes, registry);
    }

    /** The secrets among these settings, for the redactor. */
    List<Secret> secrets() {
        List<Secret> all = new ArrayList<>();
        basicAuthUserInfo.ifPresent(all::add);
        bearerToken.ifPresent(all::add);
        return all;
    }

    private SchemaRegistryClient.Auth auth() {
        if (basicAuthUserInfo.isPresent()) {
            return new SchemaRegistryClient.Auth.Basic(basicAuthUserInfo.get().reveal());
        }
        if (bearerToken.isPresent()) {
            return new SchemaRegistryClient.Auth.Bearer(bearerToken.get().reveal());
        }
        return new SchemaRegistryClient.Auth.None();
    }

    // the cache key must tell credentials apart without holding them in clear
    private String authKind() {
        return basicAuthUserInfo.map(s -> "basic:" + s.reveal().hashCode()).or(() -> bearerToken.map(s -> "bearer:" + s.reveal().hashCode()))
                .orElse("none");
    }

    @Override
    public String toString() {
        return "SchemaRegistrySettings[url=" + url.orElse("<none>") + ", auth=" + auth() + ", writes=" + writes.setting() + "]";
    }
}
