package com.voxanne.ssot.relay.config;

import com.voxanne.ssot.platform.config.ConfigException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the relay's Postgres is, as Debezium wants it ({@code database.hostname/port/dbname}), parsed
 * from the one JDBC URL every service is configured with ({@code DATABASE_URL}). Debezium opens its own
 * replication connection, so it cannot take the URL itself.
 *
 * @param host       host name or IP (IPv6 without brackets)
 * @param port       TCP port, 5432 when the URL has none
 * @param database   database name
 * @param parameters the URL's query parameters (e.g. {@code sslmode}), decoded; never logged because a
 *                   user may have put a password there
 */
public record PostgresEndpoint(String host, int port, String database, Map<String, String> parameters) {
    public static final int DEFAULT_PORT = 5432;
    private static final String PREFIX = "jdbc:postgresql:";
    private static final Pattern AUTHORITY = Pattern.compile("(\\[[0-9a-fA-F:.]+]|[^:/\\[\\]]+)(?::(\\d{1,5}))?");

    public PostgresEndpoint {
        if (host == null || host.isBlank()) {
            throw new ConfigException("DATABASE_URL must name a host");
        }
        if (port < 1 || port > 65535) {
            throw new ConfigException("DATABASE_URL port must be 1..65535, was " + port);
        }
        if (database == null || database.isBlank()) {
            throw new ConfigException("DATABASE_URL must name a database (jdbc:postgresql://host:port/db)");
        }
        parameters = Map.copyOf(parameters);
    }

    /**
     * Parses {@code jdbc:postgresql://host[:port]/db[?k=v&...]}, {@code jdbc:postgresql:db} (localhost)
     * and {@code jdbc:postgresql://[::1]:5432/db}. Several hosts (failover lists) are refused: a
     * replication slot lives on one server.
     *
     * @throws ConfigException naming what is wrong; the message never repeats the query string
     */
    public static PostgresEndpoint parse(String jdbcUrl) {
        if (jdbcUrl == null || !jdbcUrl.startsWith(PREFIX)) {
            throw new ConfigException("DATABASE_URL must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db)");
        }
        String rest = jdbcUrl.substring(PREFIX.length());
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        Map<String, String> params = parseQuery(query);
        if (!rest.startsWith("//")) {
            return new PostgresEndpoint("localhost", DEFAULT_PORT, decode(rest), params);
        }
        rest = rest.substring(2);
        int slash = rest.indexOf('/');
        if (slash < 0) {
            throw new ConfigException("DATABASE_URL must name a database after the host (jdbc:postgresql://host:port/db)");
        }
        String authority = rest.substring(0, slash);
        String database = decode(rest.substring(slash + 1));
        if (authority.contains(",")) {
            throw new ConfigException("DATABASE_URL names several hosts; the relay needs the one primary that holds its replication slot");
        }
        if (authority.isEmpty()) {
            return new PostgresEndpoint("localhost", DEFAULT_PORT, database, params);
        }
        Matcher m = AUTHORITY.matcher(authority);
        if (!m.matches()) {
            throw new ConfigException("DATABASE_URL host part '" + authority + "' is not host[:port]");
        }
        String host = m.group(1);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = m.group(2) == null ? DEFAULT_PORT : Integer.parseInt(m.group(2));
        return new PostgresEndpoint(host, port, database, params);
    }

    private static Map<String, String> parseQuery(String query) {
        Map<String, String> params = new LinkedHashMap<>();
        if (query.isEmpty()) {
            return params;
        }
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            params.put(key, value);
        }
        return params;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "PostgresEndpoint[" + host + ":" + port + "/" + database + "]";
    }
}
