package com.voxanne.ssot.relay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.platform.config.ConfigException;
import org.junit.jupiter.api.Test;

class PostgresEndpointTest {

    @Test
    void shouldParseHostPortDatabaseAndParametersWhenUrlIsComplete() {
        PostgresEndpoint e = PostgresEndpoint.parse("jdbc:postgresql://db.internal:6543/ssot?sslmode=require&ApplicationName=x");

        assertThat(e.host()).isEqualTo("db.internal");
        assertThat(e.port()).isEqualTo(6543);
        assertThat(e.database()).isEqualTo("ssot");
        assertThat(e.parameters()).containsEntry("sslmode", "require").containsEntry("applicationname", "x");
    }

    @Test
    void shouldDefaultPortAndHostWhenUrlOmitsThem() {
        assertThat(PostgresEndpoint.parse("jdbc:postgresql://postgres/ssot"))
                .extracting(PostgresEndpoint::host, PostgresEndpoint::port, PostgresEndpoint::database)
                .containsExactly("postgres", 5432, "ssot");
        assertThat(PostgresEndpoint.parse("jdbc:postgresql:ssot"))
                .extracting(PostgresEndpoint::host, PostgresEndpoint::port, PostgresEndpoint::database)
                .containsExactly("localhost", 5432, "ssot");
    }

    @Test
    void shouldUnbracketIpv6HostWhenUrlUsesOne() {
        PostgresEndpoint e = PostgresEndpoint.parse("jdbc:postgresql://[::1]:5433/ssot");

        assertThat(e.host()).isEqualTo("::1");
        assertThat(e.port()).isEqualTo(5433);
    }

    @Test
    void shouldRefuseWhenUrlIsNotUsableForReplication() {
        assertThatThrownBy(() -> PostgresEndpoint.parse("jdbc:mysql://x/y")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("PostgreSQL JDBC URL");
        assertThatThrownBy(() -> PostgresEndpoint.parse("jdbc:postgresql://a:5432,b:5432/ssot"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("several hosts");
        assertThatThrownBy(() -> PostgresEndpoint.parse("jdbc:postgresql://host:5432"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("database");
    }

    @Test
    void shouldNotRevealQueryParametersWhenPrinted() {
        PostgresEndpoint e = PostgresEndpoint.parse("jdbc:postgresql://h:1/d?password=hunter22");

        assertThat(e.toString()).doesNotContain("hunter22");
    }
}
