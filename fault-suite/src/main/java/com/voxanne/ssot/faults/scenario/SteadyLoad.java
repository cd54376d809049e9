package com.voxanne.ssot.faults.scenario;

import com.voxanne.ssot.schemas.EventIds;
import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ReleaseNumberRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steady stream of provisioning requests the faults hit: one well-formed request every interval, round-robin over
 * the organisations, with a mix of area codes and friendly names (some of them SQL-, markup- and Unicode-looking, all
 * valid: they must be stored as sent). About one turn in {@value #RELEASE_ONE_IN} releases a number instead: one the
 * organisation holds active at that moment and that no release was sent for yet, so a release in the load must
 * succeed; the organisation goes on provisioning afterwards, so released and new numbers mix in one org's history. A
 * request whose send fails is sent again (same requestId) until it is acknowledged; it is recorded in the ledger only then.
 */
public final class SteadyLoad implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SteadyLoad.class);
    static final List<String> AREA_CODES = List.of("415", "646", "212", "312", "617", "206", "303", "512");
    static final List<String> FRIENDLY_NAMES = List.of("", "Front desk", "Robert'); DROP TABLE org_credentials;--",
            "<img src=x onerror=alert(1)>", "Ünïcødé line ☎", "Line \"7\" \\ back");

    /** One turn in this many is a release (when the org has a number to release): 20% of the load. */
    static final int RELEASE_ONE_IN = 5;

    /** Finds an active managed number of an organisation to release (empty when it has none). */
    @FunctionalInterface
    public interface ActiveNumbers {
        Optional<String> pick(String orgId, Random random) throws Exception;
    }

    private final RecordPublisher publisher;
    private final ActiveNumbers activeNumbers;
    private final String topic;
    private final List<Ledger.Organization> organizations;
    private final Ledger ledger;
    private final Duration interval;
    private final Random random;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger released = new AtomicInteger();

    public SteadyLoad(RecordPublisher publisher, String topic, List<Ledger.Organization> organizations, Ledger ledger, Duration interval,
                      long seed, ActiveNumbers activeNumbers) {
        this.publisher = publisher;
        this.activeNumbers = activeNumbers;
        this.topic = topic;
        this.organizations = List.copyOf(organizations);
        this.ledger = ledger;
        this.interval = interval;
        this.random = new Random(seed);
    }

    /** A well-formed request for {@code orgId} (the load's and the canaries' shape). */
    public static ProvisionNumberRequest request(String orgId, Random random, int n) {
        String requestId = "faults-" + UUID.randomUUID();
        String name = FRIENDLY_NAMES.get(n % FRIENDLY_NAMES.size());
        return ProvisionNumberRequest.newBuilder()
                .setEventId(EventIds.forRequest(requestId, "ProvisionNumberRequest"))
                .setRequestId(requestId)
                .setOrgId(orgId)
                .setCountryCode("US")
                .setAreaCode(AREA_CODES.get(random.nextInt(AREA_CODES.size())))
                .setFriendlyName(name.isEmpty() ? null : name + " #" + n)
                .setRequestedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .build();
    }

    /** A release of {@code phoneNumber}, as an upstream service would send it. */
    public static ReleaseNumberRequest release(String orgId, String phoneNumber, String reason) {
        String requestId = "faults-release-" + UUID.randomUUID();
        return ReleaseNumberRequest.newBuilder()
                .setEventId(EventIds.forRequest(requestId, "ReleaseNumberRequest"))
                .setRequestId(requestId)
                .setOrgId(orgId)
                .setPhoneNumber(phoneNumber)
                .setReason(reason)
                .setRequestedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .build();
    }

    @Override
    public void run() {
        try {
            int n = 0;
            while (stop.getCount() > 0) {
                Ledger.Organization org = organizations.get(n % organizations.size());
                if (random.nextInt(RELEASE_ONE_IN) == 0 && releaseOne(org.id())) {
                    n++;
                    if (stop.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
                        return;
                    }
                    continue;
                }
                ProvisionNumberRequest request = request(org.id(), random, n);
                if (!sendUntilAcknowledged(request)) {
                    return;
                }
                ledger.sent(new Ledger.SentRequest(request, Instant.now(), false));
                sent.incrementAndGet();
                n++;
                if (stop.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopped.countDown();
        }
    }

    /** Sends a release of one of the org's active numbers; false when it has none left to release (then it provisions). */
    private boolean releaseOne(String orgId) throws InterruptedException {
        Optional<String> phone;
        try {
            phone = activeNumbers.pick(orgId, random);
        } catch (Exception e) {
            log.warn("Could not read the active numbers of org {}; provisioning instead of releasing", orgId, e);
            return false;
        }
        if (phone.isEmpty() || !ledger.claimRelease(orgId, phone.get())) {
            return false;
        }
        ReleaseNumberRequest release = release(orgId, phone.get(), "steady load");
        if (!sendUntilAcknowledged(release.getRequestId(), release.getOrgId(), () -> publisher.release(topic, release))) {
            return true;
        }
        ledger.releaseSent(new Ledger.SentRelease(release, Instant.now(), "load"));
        released.incrementAndGet();
        return true;
    }

    private boolean sendUntilAcknowledged(ProvisionNumberRequest request) throws InterruptedException {
        return sendUntilAcknowledged(request.getRequestId(), request.getOrgId(), () -> publisher.request(topic, request));
    }

    /** A send the load repeats until the broker acknowledges it. */
    @FunctionalInterface
    private interface Send {
        void send() throws Exception;
    }

    /** False when stopped before the broker acknowledged (the request is then not in the ledger, and may or may not be on the topic). */
    private boolean sendUntilAcknowledged(String requestId, String orgId, Send send) throws InterruptedException {
        int failures = 0;
        while (true) {
            try {
                send.send();
                return true;
            } catch (Exception e) {
                if (e instanceof InterruptedException ie) {
                    throw ie;
                }
                if (failures++ == 0) {
                    log.warn("Could not publish request {} for org {}; sending it again until acknowledged", requestId, orgId, e);
                }
                if (stop.await(500, TimeUnit.MILLISECONDS)) {
                    ledger.uncertain(requestId);
                    ledger.note("request " + requestId + " unacknowledged at stop: not judged");
                    return false;
                }
            }
        }
    }

    public int sent() {
        return sent.get();
    }

    /** Releases sent (and acknowledged). */
    public int released() {
        return released.get();
    }

    /** Stops after the request in hand; waits up to {@code timeout}. */
    public boolean stop(Duration timeout) throws InterruptedException {
        stop.countDown();
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
