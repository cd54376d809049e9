package com.voxanne.ssot.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The stack's schema registry speaks the Confluent API at {@link TestStack#schemaRegistryUrl()}, and survives a stop and start. */
class SchemaRegistryTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final TestStack stack = TestStack.get();

    @Test
    void shouldRegisterAndServeASchemaAtTheStacksRegistryUrl() throws Exception {
        assumeTrue(stack.mode() != TestStack.Mode.TESTCONTAINERS, "the Testcontainers stack runs no schema registry");
        String url = stack.schemaRegistryUrl();
        String subject = stack.uniqueTopic("testkit.registry") + "-value";

        // when a schema is registered under a new subject
        HttpResponse<String> registered = register(url, subject, "Registered");

        // then the registry answers with its id, lists the subject and serves the schema by that id
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
        int id = Integer.parseInt(registered.body().replaceAll("\\D", ""));
        assertThat(get(url + "/subjects").body()).contains("\"" + subject + "\"");
        assertThat(get(url + "/schemas/ids/" + id).body()).contains("Registered");
    }

    @Test
    void shouldKeepSubjectsIdsAndPortWhenTheRegistryStopsAndStartsAgain() throws Exception {
        assumeTrue(stack.mode() == TestStack.Mode.EMBEDDED, "fault injection needs the embedded stack");
        // given a registered schema
        String url = stack.schemaRegistryUrl();
        String subject = stack.uniqueTopic("testkit.registry-restart") + "-value";
        String registered = register(url, subject, "Kept").body();

        // when the registry stops, nothing answers
        stack.stopSchemaRegistry();
        try {
            assertThatThrownBy(() -> get(url + "/subjects")).isInstanceOf(ConnectException.class);
        } finally {
            // when it starts again (always: the other tests of this JVM share it)
            stack.startSchemaRegistry();
        }

        // then at the same URL, with the subject under the same id
        assertThat(stack.schemaRegistryUrl()).isEqualTo(url);
        assertThat(get(url + "/subjects").body()).contains("\"" + subject + "\"");
        assertThat(register(url, subject, "Kept").body()).isEqualTo(registered);
    }

    private static HttpResponse<String> register(String url, String subject, String recordName) throws IOException, InterruptedException {
        String schema = "{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"" + recordName
                + "\\\",\\\"fields\\\":[{\\\"name\\\":\\\"v\\\",\\\"type\\\":\\\"string\\\"}]}";
        return HTTP.send(HttpRequest.newBuilder(URI.create(url + "/subjects/" + subject + "/versions"))
                .header("Content-Type", CONTENT_TYPE).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"schema\":\"" + schema + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
