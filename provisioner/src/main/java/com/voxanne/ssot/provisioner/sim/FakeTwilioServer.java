package com.voxanne.ssot.provisioner.sim;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.provisioner.twilio.OwnedNumber;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local, SIMULATED Twilio REST API (JDK HttpServer on 127.0.0.1, a free port) that speaks the wire format
 * twilio-java 13 sends and reads: AvailablePhoneNumbers search, IncomingPhoneNumbers buy / read back / release, with
 * Basic auth checked. It keeps what the account owns (the inventory tests and {@code ./ssot audit} compare against the
 * database) and injects faults on demand through {@link #faults()}: refusals, 5xx, a 5xx after the purchase went
 * through, timeouts, latency. Numbers for sale are generated deterministically per area code, never an owned one.
 */
public final class FakeTwilioServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FakeTwilioServer.class);
    private static final Pattern PATH = Pattern.compile("/2010-04-01/Accounts/([^/]+)/(.+)");
    private static final Pattern AVAILABLE = Pattern.compile("AvailablePhoneNumbers/([A-Za-z]{2})/Local\\.json");
    private static final Pattern ONE_NUMBER = Pattern.compile("IncomingPhoneNumbers/(PN[0-9a-fA-F]{32})\\.json");
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");
    /** The Twilio error code of an injected 4xx fault ("invalid parameter"): not 21422, which means "someone owns it". */
    private static final int GENERIC_REFUSAL = 21421;
    private static final Map<String, String> DEFAULT_AREA_CODE = Map.of("US", "415", "CA", "416");

    /** The calls faults can be injected into. */
    public enum Operation { SEARCH, PURCHASE, READ, RELEASE }

    private final HttpServer server;
    private final ExecutorService executor;
    private final String accountSid;
    private volatile Secret authToken;
    private final FaultPlan<Operation> faults = new FaultPlan<>(Operation.class);
    private final Map<String, OwnedNumber> ownedBySid = new LinkedHashMap<>();
    /** The same numbers by E.164, so ownership checks are O(1) (search calls one per candidate). */
    private final Map<String, OwnedNumber> ownedByPhone = new HashMap<>();
    /** Per area code, the lowest candidate index that may be free: search starts there, not at 0. */
    private final Map<String, Integer> firstPossiblyFree = new HashMap<>();
    private final Map<String, Integer> purchasesByNumber = new HashMap<>();
    private final Set<String> soldOutAreaCodes = ConcurrentHashMap.newKeySet();
    /** Numbers another Twilio customer bought: not for sale, not ours. */
    private final Set<String> ownedByAnotherBuyer = ConcurrentHashMap.newKeySet();
    /** When each owned number was bought (nanoTime), for the read-back lag. */
    private final Map<String, Long> boughtAtNanos = new HashMap<>();
    private volatile Duration readBackLag = Duration.ZERO;
    private volatile boolean servingNothing;
    private final AtomicInteger purchases = new AtomicInteger();
    private final List<java.time.Instant> purchaseTimes = new ArrayList<>();
    private final AtomicInteger releases = new AtomicInteger();
    private final SecureRandom random = new SecureRandom();
    private volatile Runnable changed = () -> { };

    private FakeTwilioServer(HttpServer server, ExecutorService executor, String accountSid, Secret authToken) {
        this.server = server;
        this.executor = executor;
        this.accountSid = accountSid;
        this.authToken = authToken;
    }

    /** Starts a simulated Twilio for this account on a free loopback port. */
    public static FakeTwilioServer start(String accountSid, Secret authToken) throws IOException {
        HttpServer server = SimHttp.bindLoopback();
        ExecutorService executor = SimHttp.executor("sim-twilio");
        server.setExecutor(executor);
        FakeTwilioServer fake = new FakeTwilioServer(server, executor, accountSid, authToken);
        server.createContext("/", fake::handle);
        server.start();
        log.info("SIMULATED Twilio listening on {} (account {}): no real number is bought", fake.baseUrl(), accountSid);
        return fake;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public String accountSid() {
        return accountSid;
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

    /** From now on, a search in this area code finds nothing for sale. */
    public void soldOut(String areaCode) {
        soldOutAreaCodes.add(areaCode);
    }

    /** Another Twilio customer buys {@code e164} now: it is no longer for sale, and a purchase of it answers 21422. */
    public void sellToAnotherBuyer(String e164) {
        ownedByAnotherBuyer.add(e164);
        log.info("SIMULATED Twilio: another buyer took {}", e164);
    }

    /**
     * From now on a bought number shows in the account's IncomingPhoneNumbers reads only {@code lag} after the
     * purchase (eventual consistency), while the purchase endpoint already knows it is owned and refuses it with 21422.
     */
    public void readBackLag(Duration lag) {
        this.readBackLag = lag == null ? Duration.ZERO : lag;
    }

    /**
     * The auth token this Twilio accepts from now on: calls with any other are answered 401 (a rotated or mistyped
     * TWILIO_AUTH_TOKEN). Give the original token back to end it.
     */
    public void acceptOnlyAuthToken(Secret token) {
        this.authToken = java.util.Objects.requireNonNull(token, "token");
    }

    /** When each purchase happened (the effect, whatever the answer said), in order. */
    public synchronized List<java.time.Instant> purchaseTimes() {
        return List.copyOf(purchaseTimes);
    }

    /** Every number the account owns now. */
    public synchronized List<OwnedNumber> ownedNumbers() {
        return List.copyOf(ownedBySid.values());
    }

    /** Restores a number this account owned in an earlier run (not counted as a purchase). */
    public synchronized void adopt(OwnedNumber number) {
        ownedBySid.put(number.sid(), number);
        ownedByPhone.put(number.phoneNumber(), number);
    }

    /** Called after every change of what the account owns (a purchase, a release), outside the server's lock. */
    public void onChange(Runnable listener) {
        this.changed = java.util.Objects.requireNonNull(listener, "listener");
    }

    public synchronized boolean owns(String e164) {
        return ownedByPhone.containsKey(e164);
    }

    /** Purchases that went through (the effect, whatever the answer said). */
    public int purchases() {
        return purchases.get();
    }

    /** How many times this exact number was bought. */
    public synchronized int purchasesOf(String e164) {
        return purchasesByNumber.getOrDefault(e164, 0);
    }

    public int releases() {
        return releases.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            Matcher m = PATH.matcher(ex.getRequestURI().getPath());
            if (!m.matches() || servingNothing) {
                error(ex, 404, 20404, "The requested resource " + ex.getRequestURI().getPath() + " was not found");
                return;
            }
            if (!authorized(ex) || !accountSid.equals(m.group(1))) {
                error(ex, 401, 20003, "Authentication Error - invalid username");
                return;
            }
            route(ex, ex.getRequestMethod(), m.group(2));
        } catch (RuntimeException e) {
            log.error("SIMULATED Twilio failed on {} {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), e);
        }
    }

    private void route(HttpExchange ex, String method, String rest) throws IOException {
        Matcher available = AVAILABLE.matcher(rest);
        Matcher one = ONE_NUMBER.matcher(rest);
        if (method.equals("GET") && available.matches()) {
            withFaults(ex, Operation.SEARCH, () -> search(ex, available.group(1).toUpperCase(Locale.ROOT)));
        } else if (method.equals("POST") && rest.equals("IncomingPhoneNumbers.json")) {
            String body = SimHttp.body(ex);
            withFaults(ex, Operation.PURCHASE, () -> purchase(ex, SimHttp.form(body)));
        } else if (method.equals("GET") && rest.equals("IncomingPhoneNumbers.json")) {
            withFaults(ex, Operation.READ, () -> list(ex));
        } else if (method.equals("GET") && one.matches()) {
            withFaults(ex, Operation.READ, () -> fetch(ex, one.group(1)));
        } else if (method.equals("DELETE") && one.matches()) {
            withFaults(ex, Operation.RELEASE, () -> release(ex, one.group(1)));
        } else {
            error(ex, 405, 20004, "Method not allowed");
        }
    }

    /** The effect of a call (may be skipped by a fault) and then its answer (may be replaced by a fault). */
    private interface Call {
        Answer effect() throws IOException;
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
                return; // no answer: the client times out
            }
            if (fault.get().kind() == Fault.Kind.THROTTLED) {
                ex.getResponseHeaders().set("Retry-After", fault.get().retryAfterSeconds());
            }
            // a generic refusal; 21422 ("not available") is what a purchase of a number someone owns really answers
            error(ex, fault.get().status(), fault.get().status() >= 500 ? 20500 : fault.get().status() == 429 ? 20429 : GENERIC_REFUSAL,
                    "Simulated failure of " + op);
            return;
        }
        Answer answer = call.effect();
        if (fault.isEmpty()) {
            answer.send();
        } else if (fault.get().kind() == Fault.Kind.TIMEOUT_AFTER_COMMIT) {
            SimHttp.hold(fault.get().hang());
        } else {
            error(ex, fault.get().status() == 0 ? 500 : fault.get().status(), 20500, "Simulated failure of " + op + " after it happened");
        }
    }

    private Answer search(HttpExchange ex, String country) {
        Map<String, String> q = SimHttp.query(ex);
        String area = q.getOrDefault("AreaCode", DEFAULT_AREA_CODE.get(country));
        if (!DEFAULT_AREA_CODE.containsKey(country)) {
            return () -> error(ex, 404, 20404, "The requested resource /AvailablePhoneNumbers/" + country + " was not found");
        }
        if (area == null || !area.matches("[2-9][0-9]{2}")) {
            return () -> error(ex, 400, 21452, "AreaCode is not valid: " + area);
        }
        int pageSize = Math.max(1, Math.min(50, Integer.parseInt(q.getOrDefault("PageSize", "50"))));
        List<Map<String, Object>> numbers = new ArrayList<>();
        synchronized (this) {
            int from = firstPossiblyFree.getOrDefault(area, 0);
            while (from < 100_000 && owns(candidate(area, from))) {
                from++;
            }
            firstPossiblyFree.put(area, from);
            for (int i = from; numbers.size() < pageSize && i < 100_000 && !soldOutAreaCodes.contains(area); i++) {
                String e164 = candidate(area, i);
                if (!owns(e164) && !ownedByAnotherBuyer.contains(e164)) {
                    Map<String, Object> n = new LinkedHashMap<>();
                    n.put("friendly_name", "(" + area + ") " + e164.substring(5, 8) + "-" + e164.substring(8));
                    n.put("phone_number", e164);
                    n.put("locality", "Simulated");
                    n.put("region", "CA");
                    n.put("iso_country", country);
                    n.put("beta", false);
                    numbers.add(n);
                }
            }
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("available_phone_numbers", numbers);
        page.put("uri", ex.getRequestURI().toString());
        return () -> SimHttp.json(ex, 200, page);
    }

    /** The inverse of {@link #candidate}: the index of a generated number, if it is one. */
    static Optional<Integer> candidateIndex(String e164) {
        if (e164 == null || !e164.matches("\\+1[0-9]{10}")) {
            return Optional.empty();
        }
        int exchange = Integer.parseInt(e164.substring(5, 8));
        int line = Integer.parseInt(e164.substring(8));
        return exchange < 555 ? Optional.empty() : Optional.of((exchange - 555) * 10_000 + line);
    }

    /** The i-th number of an area code: +1 AAA 555 NNNN, then the following exchanges. */
    static String candidate(String area, int i) {
        return String.format("+1%s%03d%04d", area, 555 + i / 10_000, i % 10_000);
    }

    private Answer purchase(HttpExchange ex, Map<String, String> form) {
        String e164 = normalise(form.get("PhoneNumber"));
        if (e164 == null || !E164.matcher(e164).matches()) {
            return () -> error(ex, 400, 21421, "PhoneNumber is required and must be E.164");
        }
        OwnedNumber bought;
        synchronized (this) {
            if (owns(e164) || ownedByAnotherBuyer.contains(e164)) {
                return () -> error(ex, 400, 21422, "PhoneNumber " + e164 + " is not available");
            }
            String sid = "PN" + HexFormat.of().formatHex(randomBytes());
            bought = new OwnedNumber(sid, e164, form.getOrDefault("FriendlyName", e164));
            ownedBySid.put(sid, bought);
            ownedByPhone.put(bought.phoneNumber(), bought);
            boughtAtNanos.put(e164, System.nanoTime());
            purchasesByNumber.merge(e164, 1, Integer::sum);
            purchases.incrementAndGet();
            purchaseTimes.add(java.time.Instant.now());
        }
        log.info("SIMULATED Twilio sold {} ({})", e164, bought.sid());
        changed.run();
        return () -> SimHttp.json(ex, 201, json(bought));
    }

    private Answer list(HttpExchange ex) {
        String filter = normalise(SimHttp.query(ex).get("PhoneNumber"));
        List<Map<String, Object>> numbers = new ArrayList<>();
        synchronized (this) {
            if (filter == null) {
                ownedBySid.values().stream().filter(this::visible).forEach(n -> numbers.add(json(n)));
            } else if (ownedByPhone.containsKey(filter) && visible(ownedByPhone.get(filter))) {
                numbers.add(json(ownedByPhone.get(filter)));
            }
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("incoming_phone_numbers", numbers);
        page.put("uri", ex.getRequestURI().toString());
        page.put("first_page_uri", ex.getRequestURI().toString());
        page.put("next_page_uri", null);
        page.put("previous_page_uri", null);
        page.put("page", 0);
        page.put("page_size", Math.max(numbers.size(), 1));
        page.put("start", 0);
        page.put("end", Math.max(numbers.size() - 1, 0));
        return () -> SimHttp.json(ex, 200, page);
    }

    /** Whether a read shows this owned number yet (see {@link #readBackLag}); called holding the lock. */
    private boolean visible(OwnedNumber n) {
        Long at = boughtAtNanos.get(n.phoneNumber());
        return at == null || System.nanoTime() - at >= readBackLag.toNanos();
    }

    private Answer fetch(HttpExchange ex, String sid) {
        OwnedNumber n;
        synchronized (this) {
            n = ownedBySid.get(sid);
        }
        if (n == null) {
            return () -> error(ex, 404, 20404, "The requested resource IncomingPhoneNumbers/" + sid + " was not found");
        }
        return () -> SimHttp.json(ex, 200, json(n));
    }

    private Answer release(HttpExchange ex, String sid) {
        OwnedNumber removed;
        synchronized (this) {
            removed = ownedBySid.remove(sid);
            if (removed != null) {
                ownedByPhone.remove(removed.phoneNumber());
                boughtAtNanos.remove(removed.phoneNumber());
                candidateIndex(removed.phoneNumber()).ifPresent(i -> firstPossiblyFree.computeIfPresent(
                        removed.phoneNumber().substring(2, 5), (area, from) -> Math.min(from, i)));
            }
        }
        if (removed == null) {
            return () -> error(ex, 404, 20404, "The requested resource IncomingPhoneNumbers/" + sid + " was not found");
        }
        releases.incrementAndGet();
        log.info("SIMULATED Twilio released {} ({})", removed.phoneNumber(), sid);
        changed.run();
        return () -> SimHttp.empty(ex, 204);
    }

    private Map<String, Object> json(OwnedNumber n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sid", n.sid());
        m.put("account_sid", accountSid);
        m.put("phone_number", n.phoneNumber());
        m.put("friendly_name", n.friendlyName());
        m.put("status", "in-use");
        m.put("origin", "twilio");
        m.put("api_version", "2010-04-01");
        m.put("beta", false);
        m.put("uri", "/2010-04-01/Accounts/" + accountSid + "/IncomingPhoneNumbers/" + n.sid() + ".json");
        return m;
    }

    private boolean authorized(HttpExchange ex) {
        String expected = "Basic " + Base64.getEncoder().encodeToString(
                (accountSid + ":" + authToken.reveal()).getBytes(StandardCharsets.UTF_8));
        return expected.equals(ex.getRequestHeaders().getFirst("Authorization"));
    }

    private static void error(HttpExchange ex, int status, int code, String message) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("message", message);
        body.put("more_info", "https://www.twilio.com/docs/errors/" + code);
        body.put("status", status);
        SimHttp.json(ex, status, body);
    }

    /** A "+" in a form or query value may arrive decoded as a space. */
    private static String normalise(String e164) {
        if (e164 == null) {
            return null;
        }
        String t = e164.trim();
        return t.matches("[0-9]+") ? "+" + t : t;
    }

    private byte[] randomBytes() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return b;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        log.info("SIMULATED Twilio on {} stopped", baseUrl());
    }
}
