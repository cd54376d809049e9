package com.voxanne.ssot.embedded;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The few Confluent-compatible registry calls the tests make, over plain HTTP. */
final class RegistryHttp {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private RegistryHttp() {
    }

    /** {@code GET <url>/subjects}: the JSON array of subject names. */
    static String subjects(String url) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url + "/subjects")).GET());
    }

    /** Registers an Avro record schema with one string field under {@code subject}; returns the answer ({@code {"id":N}}). */
    static String registerRecord(String url, String subject, String recordName) throws IOException, InterruptedException {
        String schema = "{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"" + recordName
                + "\\\",\\\"fields\\\":[{\\\"name\\\":\\\"v\\\",\\\"type\\\":\\\"string\\\"}]}";
        return send(HttpRequest.newBuilder(URI.create(url + "/subjects/" + subject + "/versions"))
                .header("Content-Type", CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString("{\"schema\":\"" + schema + "\"}")));
    }

    /** {@code GET <url>/schemas/ids/<id>}: the schema with that id. */
    static String schemaById(String url, int id) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url + "/schemas/ids/" + id)).GET());
    }

    private static String send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(request.build().uri() + " answered HTTP " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }
}
