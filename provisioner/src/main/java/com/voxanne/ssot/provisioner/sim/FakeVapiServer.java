package com.voxanne.ssot.provisioner.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.provisioner.vapi.ImportedNumber;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local, SIMULATED Vapi API (JDK HttpServer on 127.0.0.1, a free port): {@code POST /phone-number} (provider
 * twilio), {@code GET|DELETE /phone-number/{id}}, {@code GET /phone-number} and {@code GET /v2/phone-number?search=},
 * with the Bearer key checked. Like the real one it checks the Twilio credentials it is given and, when it knows the
 * simulated Twilio, that the account owns the number. Keeps its imports (inventory) and injects faults through
 * {@link #faults()}: refusals, 5xx, a 5xx after the import happened, timeouts, a blank id, latency.
 */
public final class FakeVapiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FakeVapiServer.class);

    /** The calls faults can be injected into. */
    public enum Operation { IMPORT, GET, LIST, DELETE }

    private record Stored(String id, String number, String name, Instant createdAt) {
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private volatile Secret apiKey;
    private final String twilioAccountSid;
    private final Secret twilioAuthToken;
    private final Predicate<String> twilioOwns;
    private final String vapiOrgId = UUID.randomUUID().toString();
    private final FaultPlan<Operation> faults = new FaultPlan<>(Operation.class);
    private final Map<String, Stored> byId = new LinkedHashMap<>();
    /** The numbers of {@link #byId}, for the duplicate check of an import (a scan of every number made it O(n)). */
    private final Set<String> numbers = new HashSet<>();
    private final AtomicInteger imports = new AtomicInteger();
    private final AtomicInteger deletes = new AtomicInteger();
    private volatile Runnable changed = () -> { };
    private volatile boolean servingNothing;

    private FakeVapiServer(HttpServer server, ExecutorService executor, Secret apiKey, String twilioAccountSid, Secret twilioAuthToken,
                           Predicate<String> twilioOwns) {
        this.server = server;
        this.executor = executor;
        this.apiKey = apiKey;
        this.twilioAccountSid = twilioAccountSid;
        this.twilioAuthToken = twilioAuthToken;
        this.twilioOwns = twilioOwns;
    }

    /**
     * Starts a simulated Vapi.
     *
     * @param twilioOwns whether the Twilio account owns a number (imports of other numbers are refused, as Vapi does)
     */
    public static FakeVapiServer start(Secret apiKey, String twilioAccountSid, Secret twilioAuthToken, Predicate<String> twilioOwns)
            throws IOException {
        HttpServer server = SimHttp.bindLoopback();
        ExecutorService executor = SimHttp.executor("sim-vapi");
        server.setExecutor(executor);
        FakeVapiServer fake = new FakeVapiServer(server, executor, apiKey, twilioAccountSid, twilioAuthToken, twilioOwns);
        server.createContext("/", fake::handle);
        server.start();
        log.info("SIMULATED Vapi listening on {}: imports go nowhere real", fake.baseUrl());
        return fake;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * The key this Vapi accepts from now on: calls with any other key are answered 401 (a rotated or mistyped
     * VAPI_API_KEY). Give the original key back to end it.
     */
    public void acceptOnlyKey(Secret key) {
        this.apiKey = key;
    }

    /**
     * While true every path answers 404, as a server at a wrong base URL would (a mistyped host path or API version);
     * the state behind it is kept and served again once false.
     */
    public void serveNothing(boolean nothing) {
        this.servingNothing = nothing;
    }

    public FaultPlan<Operation> faults() {
        return faults;
    }

    /** Every imported number now. */
    public synchronized List<ImportedNumber> importedNumbers() {
        return byId.values().stream().map(s -> new ImportedNumber(s.id(), s.number(), s.name(), "active")).toList();
    }

    /** Restores a number imported in an earlier run (not counted as an import). */
    public synchronized void adopt(ImportedNumber number) {
        byId.put(number.id(), new Stored(number.id(), number.number(), number.name(), Instant.now()));
        numbers.add(number.number());
    }

    /** Called after every change of the imported numbers (an import, a delete), outside the server's lock. */
    public void onChange(Runnable listener) {
        this.changed = java.util.Objects.requireNonNull(listener, "listener");
    }

    public synchronized Optional<ImportedNumber> imported(String e164) {
        return importedNumbers().stream().filter(n -> n.number().equals(e164)).findFirst();
    }

    /** Imports that happened (the effect, whatever the answer said). */
    public int imports() {
        return imports.get();
    }

    public int deletes() {
        return deletes.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (servingNothing) {
                error(ex, 404, "Cannot " + ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
                return;
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (!("Bearer " + apiKey.reveal()).equals(auth)) {
                error(ex, 401, "Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.");
                return;
            }
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            if (method.equals("POST") && path.equals("/phone-number")) {
                String body = SimHttp.body(ex);
                withFaults(ex, Operation.IMPORT, fault -> importNumber(ex, body, fault));
            } else if (method.equals("GET") && (path.equals("/v2/phone-number") || path.equals("/phone-number"))) {
                boolean v2 = path.startsWith("/v2");
                withFaults(ex, Operation.LIST, fault -> list(ex, v2));
            } else if (method.equals("GET") && path.startsWith("/phone-number/")) {
                withFaults(ex, Operation.GET, fault -> get(ex, path.substring("/phone-number/".length())));
            } else if (method.equals("DELETE") && path.startsWith("/phone-number/")) {
                withFaults(ex, Operation.DELETE, fault -> delete(ex, path.substring("/phone-number/".length())));
            } else {
                error(ex, 404, "Cannot " + method + " " + path);
            }
        } catch (RuntimeException e) {
            log.error("SIMULATED Vapi failed on {} {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), e);
        }
    }

    private interface Call {
        Answer effect(Optional<Fault> fault) throws IOException;
    }

    private interface Answer {
        void send() throws IOException;
    }

    private void withFaults(HttpExchange ex, Operation op, Call call) throws IOException {
        Optional<Fault> fault = faults.next(op);
        if (!SimHttp.hold(faults.latencyOf(op))) {
            return;
        }
        if (fault.isPresent() && !fault.get().commits()) {
            if (fault.get().kind() == Fault.Kind.TIMEOUT) {
                SimHttp.hold(fault.get().hang());
                return;
            }
            if (fault.get().kind() == Fault.Kind.THROTTLED) {
                ex.getResponseHeaders().set("Retry-After", fault.get().retryAfterSeconds());
            }
            error(ex, fault.get().status(), "Simulated failure of " + op);
            return;
        }
        Answer answer = call.effect(fault);
        if (fault.isEmpty() || fault.get().kind() == Fault.Kind.BLANK_ID) {
            answer.send();
        } else if (fault.get().kind() == Fault.Kind.TIMEOUT_AFTER_COMMIT) {
            SimHttp.hold(fault.get().hang());
        } else {
            error(ex, fault.get().status() == 0 ? 500 : fault.get().status(), "Simulated failure of " + op + " after it happened");
        }
    }

    private Answer importNumber(HttpExchange ex, String body, Optional<Fault> fault) {
        JsonNode req;
        try {
            req = SimHttp.JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return () -> error(ex, 400, "body is not JSON");
        }
        String number = req.path("number").asText("");
        List<String> problems = new ArrayList<>();
        if (!"twilio".equals(req.path("provider").asText())) {
            problems.add("provider must be twilio");
        }
        if (!number.matches("\\+[1-9][0-9]{6,14}")) {
            problems.add("number must be a valid E.164 phone number");
        }
        if (!twilioAccountSid.equals(req.path("twilioAccountSid").asText())
                || !twilioAuthToken.reveal().equals(req.path("twilioAuthToken").asText())) {
            problems.add("Twilio credentials are invalid");
        } else if (problems.isEmpty() && !twilioOwns.test(number)) {
            problems.add("Number " + number + " is not owned by the Twilio account");
        }
        if (!problems.isEmpty()) {
            return () -> error(ex, 400, String.join(", ", problems));
        }
        Stored stored;
        synchronized (this) {
            if (numbers.contains(number)) {
                return () -> error(ex, 400, "Number " + number + " already exists");
            }
            stored = new Stored(UUID.randomUUID().toString(), number, req.path("name").asText(null), Instant.now());
            byId.put(stored.id(), stored);
            numbers.add(number);
            imports.incrementAndGet();
        }
        log.info("SIMULATED Vapi imported {} as {}", number, stored.id());
        changed.run();
        boolean blank = fault.isPresent() && fault.get().kind() == Fault.Kind.BLANK_ID;
        Map<String, Object> answer = json(stored);
        if (blank) {
            answer.put("id", "");
        }
        return () -> SimHttp.json(ex, 201, answer);
    }

    private Answer list(HttpExchange ex, boolean v2) {
        Map<String, String> q = SimHttp.query(ex);
        String search = q.getOrDefault("search", "").trim();
        String wanted = search.matches("[0-9]+") ? "+" + search : search;
        int limit = Math.max(1, Math.min(1000, Integer.parseInt(q.getOrDefault("limit", "100"))));
        int page = Math.max(1, Integer.parseInt(q.getOrDefault("page", "1")));
        List<Map<String, Object>> matching = new ArrayList<>();
        synchronized (this) {
            for (Stored s : byId.values()) {
                if (wanted.isEmpty() || s.number().contains(wanted) || (s.name() != null && s.name().contains(wanted))) {
                    matching.add(json(s));
                }
            }
        }
        if (!v2) {
            return () -> SimHttp.json(ex, 200, matching);
        }
        int from = Math.min(matching.size(), (page - 1) * limit);
        List<Map<String, Object>> results = matching.subList(from, Math.min(matching.size(), from + limit));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("results", results);
        answer.put("metadata", Map.of("itemsPerPage", limit, "totalItems", matching.size(), "currentPage", page));
        return () -> SimHttp.json(ex, 200, answer);
    }

    private Answer get(HttpExchange ex, String id) {
        Stored s;
        synchronized (this) {
            s = byId.get(id);
        }
        if (s == null) {
            return () -> error(ex, 404, "Not Found");
        }
        return () -> SimHttp.json(ex, 200, json(s));
    }

    private Answer delete(HttpExchange ex, String id) {
        Stored removed;
        synchronized (this) {
            removed = byId.remove(id);
            if (removed != null && byId.values().stream().noneMatch(other -> other.number().equals(removed.number()))) {
                numbers.remove(removed.number()); // (an adopted inventory may hold a number under two ids)
            }
        }
        if (removed == null) {
            return () -> error(ex, 404, "Not Found");
        }
        deletes.incrementAndGet();
        log.info("SIMULATED Vapi deleted {} ({})", removed.number(), id);
        changed.run();
        return () -> SimHttp.json(ex, 200, json(removed));
    }

    private Map<String, Object> json(Stored s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("orgId", vapiOrgId);
        m.put("number", s.number());
        m.put("name", s.name());
        m.put("provider", "twilio");
        m.put("status", "active");
        m.put("twilioAccountSid", twilioAccountSid);
        m.put("createdAt", s.createdAt().toString());
        m.put("updatedAt", s.createdAt().toString());
        return m;
    }

    private static void error(HttpExchange ex, int status, String message) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", message);
        body.put("error", status >= 500 ? "Internal Server Error" : status == 401 ? "Unauthorized" : status == 404 ? "Not Found" : "Bad Request");
        body.put("statusCode", status);
        SimHttp.json(ex, status, body);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        log.info("SIMULATED Vapi on {} stopped", baseUrl());
    }
}
