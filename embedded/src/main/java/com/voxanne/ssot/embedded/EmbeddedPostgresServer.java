package com.voxanne.ssot.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server (binaries from Maven, io.zonky) run as a child process on a loopback port, configured for
 * log-based CDC: {@code wal_level=logical}, {@code synchronous_commit=on}, {@code fsync=on}, enough replication slots
 * and WAL senders.
 *
 * <p>{@link #stop()} and {@link #start()} keep the SAME port and data directory, for fault tests. A given data directory
 * is kept on {@link #close()}; without one, a temp directory is used and deleted on close. The server's own output
 * goes to a log file next to the data directory, not to this JVM's log.
 *
 * <p>With {@link Builder#tls(ServerTls)} the server runs with {@code ssl=on} and its own {@code pg_hba.conf} that
 * accepts TCP connections only over TLS ({@code hostssl}; {@code hostnossl} is rejected), and {@link #jdbcUrl} asks for
 * {@code sslmode=verify-full} against the CA, so every client verifies the server's certificate and hostname.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    /** The superuser initdb creates; it connects without a password (trust, loopback only). */
    public static final String SUPERUSER = "postgres";
    /** Logger names io.zonky logs under (a few INFO lines per start and stop). */
    public static final List<String> ZONKY_LOGGERS = List.of("io.zonky");

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    private static final String DUPLICATE_DATABASE = "42P04";
    private static final int PORT_ATTEMPTS = 3;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path dataDir;
    private final Path temporaryRoot;
    private final Path logFile;
    private final int requestedPort;
    private final Duration startupTimeout;
    private final Map<String, String> serverConfig;
    private final boolean stopLeftoverServer;
    private final ServerTls tls;

    private int port;
    private boolean startedOnce;
    private EmbeddedPostgres postgres;
    private ProcessHandle postmaster;
    private boolean closed;

    private EmbeddedPostgresServer(Builder b) {
        if (b.dataDir == null) {
            this.temporaryRoot = Directories.createTempDirectory("embedded-postgres-");
            this.dataDir = temporaryRoot.resolve("pgdata");
        } else {
            this.temporaryRoot = null;
            this.dataDir = b.dataDir.toAbsolutePath();
        }
        this.logFile = b.logFile != null ? b.logFile.toAbsolutePath() : dataDir.resolveSibling(dataDir.getFileName() + ".log");
        this.requestedPort = b.port;
        this.port = b.port;
        this.startupTimeout = b.startupTimeout;
        this.serverConfig = Map.copyOf(b.serverConfig);
        this.stopLeftoverServer = b.stopLeftoverServer;
        this.tls = b.tls;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts PostgreSQL on a free port with its data in {@code dataDir} (created by initdb if new, kept on close). */
    public static EmbeddedPostgresServer start(Path dataDir) {
        return builder().dataDir(dataDir).build().start();
    }

    /**
     * Starts the server (initdb first if the data directory has no cluster) and returns once it answers SQL. After a
     * {@link #stop()}, starts it again on the same port and data. Does nothing if it is running.
     *
     * @throws EmbeddedStackException if it does not start within the startup timeout, or the data directory is in use
     */
    public synchronized EmbeddedPostgresServer start() {
        if (closed) {
            throw new IllegalStateException("EmbeddedPostgresServer on " + dataDir + " is closed");
        }
        if (postgres != null) {
            return this;
        }
        long t0 = System.nanoTime();
        handleLeftoverServer();
        Directories.createDirectories(dataDir.getParent());
        Directories.createDirectories(logFile.getParent());
        boolean mayPickPort = requestedPort == 0 && !startedOnce;
        int attempts = mayPickPort ? PORT_ATTEMPTS : 1;
        for (int attempt = 1; ; attempt++) {
            if (mayPickPort && (port == 0 || attempt > 1)) {
                port = LocalPorts.freePort();
            }
            try {
                startOnce();
                break;
            } catch (EmbeddedStackException e) {
                if (attempt >= attempts) {
                    throw e;
                }
                log.warn("PostgreSQL did not start on port {} ({}), retrying on another free port", port, e.getMessage());
            }
        }
        startedOnce = true;
        log.info("PostgreSQL ready on {}:{} (user {}, data {}, server log {}) in {} ms", LocalPorts.LOOPBACK, port, SUPERUSER,
                dataDir, logFile, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return this;
    }

    /**
     * Stops the server (fast shutdown: clients are disconnected) and waits until its process is gone. The port and
     * data stay reserved for {@link #start()}. Does nothing if it is stopped.
     */
    public synchronized void stop() {
        EmbeddedPostgres running = postgres;
        if (running == null) {
            return;
        }
        postgres = null;
        ProcessHandle process = postmaster;
        postmaster = null;
        long t0 = System.nanoTime();
        try {
            running.close();
        } catch (IOException e) {
            throw new EmbeddedStackException("could not stop PostgreSQL on port " + port + " (data " + dataDir + ")", e);
        }
        awaitExit(process);
        log.info("PostgreSQL on {}:{} stopped in {} ms", LocalPorts.LOOPBACK, port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Stops the server (no process is left); deletes the data only if it was a temp directory chosen here. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            stop();
        } finally {
            closed = true;
            if (temporaryRoot != null) {
                Directories.deleteRecursively(temporaryRoot);
            }
        }
    }

    public synchronized boolean isRunning() {
        return postgres != null;
    }

    public synchronized int port() {
        requireStartedOnce();
        return port;
    }

    /**
     * {@code jdbc:postgresql://127.0.0.1:<port>/<database>}; connect as {@link #user()} with no password. With TLS it
     * adds {@code ?sslmode=verify-full&sslrootcert=<CA certificate>}.
     */
    public synchronized String jdbcUrl(String database) {
        requireStartedOnce();
        String url = "jdbc:postgresql://" + LocalPorts.LOOPBACK + ":" + port + "/" + Objects.requireNonNull(database, "database");
        if (tls == null) {
            return url;
        }
        return url + "?sslmode=verify-full&sslrootcert=" + URLEncoder.encode(tls.caCertificate().toString(), StandardCharsets.UTF_8);
    }

    /** The TLS files the server uses, if TLS is on. */
    public Optional<ServerTls> tls() {
        return Optional.ofNullable(tls);
    }

    public String user() {
        return SUPERUSER;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    /** A new autocommit connection to {@code database} as the superuser; the caller closes it. */
    public Connection connect(String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", SUPERUSER);
        props.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    /**
     * Creates database {@code name} unless it exists.
     *
     * @return true if it was created now, false if it existed
     */
    public boolean createDatabase(String name) {
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("database name must be an SQL identifier of at most 63 characters, was '" + name + "'");
        }
        try (Connection c = connect("postgres")) {
            try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                exists.setString(1, name);
                try (ResultSet rs = exists.executeQuery()) {
                    if (rs.next()) {
                        return false;
                    }
                }
            }
            try (Statement create = c.createStatement()) {
                create.execute("CREATE DATABASE \"" + name + "\"");
            }
            log.info("Created database {} on {}:{}", name, LocalPorts.LOOPBACK, port);
            return true;
        } catch (SQLException e) {
            if (DUPLICATE_DATABASE.equals(e.getSQLState())) {
                return false;
            }
            throw new EmbeddedStackException("could not create database " + name + " on port " + port, e);
        }
    }

    private void startOnce() {
        if (!LocalPorts.isFree(port)) {
            throw new EmbeddedStackException("cannot start PostgreSQL on port " + port + ": it is taken by another process");
        }
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setPGStartupWait(startupTimeout)
                .setRegisterShutdownHook(false)
                .setOutputRedirector(Redirect.appendTo(logFile.toFile()))
                .setErrorRedirector(Redirect.appendTo(logFile.toFile()));
        defaultServerConfig().forEach(builder::setServerConfig);
        tlsServerConfig().forEach(builder::setServerConfig);
        serverConfig.forEach(builder::setServerConfig);
        EmbeddedPostgres started;
        try {
            started = builder.start();
        } catch (IOException | RuntimeException e) {
            throw new EmbeddedStackException("PostgreSQL did not start on port " + port + " within " + startupTimeout
                    + " (data " + dataDir + "; see its log " + logFile + ")", e);
        }
        postgres = started;
        try {
            postmaster = verifyItIsOurs();
        } catch (RuntimeException e) {
            // Another server answered on this port, or ours is broken: do not keep a handle on it.
            postgres = null;
            try {
                started.close();
            } catch (IOException | RuntimeException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }

    private static Map<String, String> defaultServerConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("listen_addresses", LocalPorts.LOOPBACK);
        config.put("wal_level", "logical");
        // zonky turns these off for speed; CDC latency and durability need them on.
        config.put("synchronous_commit", "on");
        config.put("fsync", "on");
        config.put("max_replication_slots", "32");
        config.put("max_wal_senders", "32");
        // a relay that stops moving must not fill a developer's disk: past this the slot loses WAL (health says so)
        config.put("max_slot_wal_keep_size", "4GB");
        config.put("timezone", "UTC");
        return config;
    }

    /**
     * {@code ssl=on} with the certificate and key, and an {@code hba_file} of our own (written next to the data
     * directory on every start, so initdb's trust-everything file is never used): TCP only over TLS, from loopback. The
     * superuser still needs no password (trust, as without TLS): this is a local test server, not an access policy.
     */
    private Map<String, String> tlsServerConfig() {
        if (tls == null) {
            return Map.of();
        }
        Path hba = dataDir.resolveSibling(dataDir.getFileName() + "-pg_hba.conf");
        String rules = String.join("\n",
                "# written by EmbeddedPostgresServer (TLS on): TCP connections must use TLS",
                "local all all trust",
                "local replication all trust",
                "hostssl all all 127.0.0.1/32 trust",
                "hostssl all all ::1/128 trust",
                "hostssl replication all 127.0.0.1/32 trust",
                "hostssl replication all ::1/128 trust",
                "hostnossl all all 0.0.0.0/0 reject",
                "hostnossl all all ::/0 reject",
                "hostnossl replication all 0.0.0.0/0 reject",
                "hostnossl replication all ::/0 reject",
                "");
        try {
            Files.writeString(hba, rules, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + hba, e);
        }
        Map<String, String> config = new LinkedHashMap<>();
        config.put("ssl", "on");
        config.put("ssl_cert_file", requireNoSpaces(tls.certificateChain()));
        config.put("ssl_key_file", requireNoSpaces(tls.privateKey()));
        config.put("ssl_min_protocol_version", "TLSv1.2");
        config.put("hba_file", requireNoSpaces(hba));
        return config;
    }

    private static String requireNoSpaces(Path p) {
        // zonky passes each setting as one -c name=value argument through pg_ctl's -o string, which splits on spaces
        if (p.toString().contains(" ")) {
            throw new IllegalArgumentException("a TLS file path must not contain spaces, was '" + p + "'");
        }
        return p.toString();
    }

    /** The server answering on our port must be the one on our data directory; returns its postmaster process. */
    private ProcessHandle verifyItIsOurs() {
        String served;
        try (Connection c = connect("postgres"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW data_directory")) {
            rs.next();
            served = rs.getString(1);
        } catch (SQLException e) {
            throw new EmbeddedStackException("PostgreSQL on port " + port + " does not answer (see its log " + logFile + ")", e);
        }
        try {
            if (!Files.isSameFile(Path.of(served), dataDir)) {
                throw new EmbeddedStackException("port " + port + " is served by another PostgreSQL (data " + served + "), not ours");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not compare data directories " + served + " and " + dataDir, e);
        }
        return readPostmasterPid()
                .flatMap(ProcessHandle::of)
                .orElseThrow(() -> new EmbeddedStackException("PostgreSQL started but " + dataDir.resolve("postmaster.pid")
                        + " names no live process"));
    }

    private Optional<Long> readPostmasterPid() {
        Path pidFile = dataDir.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(pidFile);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * A postmaster still running on this data directory was left behind by an owner that died ({@code kill -9} of the
     * JVM that started it: pg_ctl daemonizes it). With {@link Builder#stopLeftoverServer(boolean)} (set by an owner that
     * holds the directory's {@link DataDirectoryLock}, which proves the previous owner is gone) it is stopped cleanly
     * first, but only if its own command line shows that it is a postgres serving exactly this directory; otherwise
     * starting is refused with the pid to stop.
     */
    synchronized void stopLeftoverServer() {
        handleLeftoverServer();
    }

    private void handleLeftoverServer() {
        Optional<ProcessHandle> leftover = readPostmasterPid().flatMap(ProcessHandle::of).filter(LocalProcesses::isRunning)
                .filter(p -> p.info().command().map(cmd -> cmd.endsWith("postgres")).orElse(true));
        if (leftover.isEmpty()) {
            return;
        }
        ProcessHandle p = leftover.get();
        if (stopLeftoverServer && servesThisDataDir(p)) {
            log.warn("PostgreSQL (pid {}) was left running on {} by a previous run that did not stop it: stopping it (fast shutdown)",
                    p.pid(), dataDir);
            if (!LocalProcesses.interruptAndWait(p, STOP_TIMEOUT)) {
                log.error("Leftover PostgreSQL (pid {}) did not stop within {}: killing it", p.pid(), STOP_TIMEOUT);
                p.destroyForcibly();
                if (!LocalProcesses.awaitExit(p, STOP_TIMEOUT)) {
                    throw new EmbeddedStackException("leftover PostgreSQL (pid " + p.pid() + ") on " + dataDir + " could not be stopped");
                }
            }
            return;
        }
        throw new EmbeddedStackException("PostgreSQL data directory " + dataDir + " is in use by a running postgres (pid "
                + p.pid() + "); stop it first (kill -INT " + p.pid() + ") or use another data directory");
    }

    /** {@code postgres ... -D <dir> ...} with {@code <dir>} this data directory. */
    private boolean servesThisDataDir(ProcessHandle p) {
        List<String> args = LocalProcesses.arguments(p);
        int d = args.indexOf("-D");
        if (args.isEmpty() || !args.get(0).endsWith("postgres") || d < 0 || d + 1 >= args.size()) {
            return false;
        }
        try {
            return Files.isSameFile(Path.of(args.get(d + 1)), dataDir);
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits until the postmaster has exited (it is not our child: pg_ctl started it). */
    private void awaitExit(ProcessHandle process) {
        if (process == null) {
            return;
        }
        if (!LocalProcesses.awaitExit(process, STOP_TIMEOUT)) {
            if (Thread.currentThread().isInterrupted()) {
                throw new EmbeddedStackException("interrupted while waiting for PostgreSQL (pid " + process.pid() + ") to stop");
            }
            log.error("PostgreSQL (pid {}) did not stop within {}: killing it", process.pid(), STOP_TIMEOUT);
            process.destroyForcibly();
            throw new EmbeddedStackException("PostgreSQL (pid " + process.pid() + ", data " + dataDir + ") did not stop within "
                    + STOP_TIMEOUT + " and was killed");
        }
    }

    private void requireStartedOnce() {
        if (port == 0) {
            throw new IllegalStateException("EmbeddedPostgresServer has no port yet: start() it first");
        }
    }

    @Override
    public String toString() {
        return "EmbeddedPostgresServer[" + (port == 0 ? "not started" : LocalPorts.LOOPBACK + ":" + port) + (tls == null ? "" : " (TLS)")
                + ", data " + dataDir + "]";
    }

    /** Settings of an {@link EmbeddedPostgresServer}; every one has a default. */
    public static final class Builder {
        private Path dataDir;
        private Path logFile;
        private int port;
        private Duration startupTimeout = Duration.ofSeconds(60);
        private final Map<String, String> serverConfig = new LinkedHashMap<>();
        private boolean stopLeftoverServer;
        private ServerTls tls;

        private Builder() {
        }

        /** PGDATA (kept on close; initdb runs if it holds no cluster); default a temp directory deleted on close. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** Where the server's own output goes; default {@code <dataDir>.log} next to the data directory. */
        public Builder logFile(Path logFile) {
            this.logFile = Objects.requireNonNull(logFile, "logFile");
            return this;
        }

        /** Port on 127.0.0.1; 0 (default) picks a free one. */
        public Builder port(int port) {
            LocalPorts.requireValid("PostgreSQL port", port);
            this.port = port;
            return this;
        }

        /** How long start() waits for the server to answer; default 60 s. */
        public Builder startupTimeout(Duration startupTimeout) {
            if (startupTimeout.isNegative() || startupTimeout.isZero()) {
                throw new IllegalArgumentException("startupTimeout must be > 0, was " + startupTimeout);
            }
            this.startupTimeout = startupTimeout;
            return this;
        }

        /** Any server setting ({@code -c name=value}; no spaces in the value), applied over the defaults. */
        public Builder serverConfig(String name, String value) {
            if (value.contains(" ")) {
                throw new IllegalArgumentException("server setting " + name + " must not contain spaces, was '" + value + "'");
            }
            serverConfig.put(Objects.requireNonNull(name, "name"), value);
            return this;
        }

        /**
         * Stop a postgres left running on this data directory by a previous owner that died, instead of refusing to
         * start (default false). Only an owner that holds the directory's {@link DataDirectoryLock} may set this.
         */
        public Builder stopLeftoverServer(boolean stop) {
            this.stopLeftoverServer = stop;
            return this;
        }

        /**
         * {@code ssl=on} with these files and TLS-only TCP access (default off). The certificate's subjectAltName must
         * hold 127.0.0.1, the address {@link EmbeddedPostgresServer#jdbcUrl} names, for {@code sslmode=verify-full}.
         */
        public Builder tls(ServerTls tls) {
            this.tls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        /** A stopped server; call {@link EmbeddedPostgresServer#start()}. */
        public EmbeddedPostgresServer build() {
            return new EmbeddedPostgresServer(this);
        }
    }
}
