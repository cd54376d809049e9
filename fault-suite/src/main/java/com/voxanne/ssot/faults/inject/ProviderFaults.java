package com.voxanne.ssot.faults.inject;

import com.voxanne.ssot.faults.schedule.FaultKind;
import com.voxanne.ssot.provisioner.sim.FakeTwilioServer;
import com.voxanne.ssot.provisioner.sim.FakeVapiServer;
import com.voxanne.ssot.provisioner.sim.Fault;
import com.voxanne.ssot.faults.system.FakeSecrets;
import com.voxanne.ssot.platform.config.Secret;
import java.time.Duration;
import java.util.Random;
import java.util.UUID;

/**
 * Turns a provider {@link FaultKind} into the simulated Twilio's and Vapi's fault plans: each arms the NEXT call of one
 * operation (whichever saga makes it). Timeouts hold the call {@link #HANG}, longer than the provisioner's HTTP timeout.
 */
public final class ProviderFaults {
    /** How long a "timeout" holds a call: longer than the suite's PROVISIONER_HTTP_TIMEOUT. */
    public static final Duration HANG = Duration.ofSeconds(3);

    /** How long after a purchase the simulated Twilio's reads show it, during {@link #purchaseTimeoutThenLaggingReads}. */
    public static final Duration READ_BACK_LAG = Duration.ofSeconds(3);

    /** Which provider's credentials {@link #refuseCredentials} breaks. */
    public enum Provider { TWILIO, VAPI }

    private final FakeTwilioServer twilio;
    private final FakeVapiServer vapi;
    private final FakeSecrets secrets;

    public ProviderFaults(FakeTwilioServer twilio, FakeVapiServer vapi, FakeSecrets secrets) {
        this.twilio = twilio;
        this.vapi = vapi;
        this.secrets = secrets;
    }

    /**
     * From now on {@code provider} refuses the credentials the pipeline has (401), as after a key rotation or a typo in
     * the deployment, until {@link #acceptCredentials}.
     */
    public void refuseCredentials(Provider provider) {
        Secret other = Secret.of("rotated-" + UUID.randomUUID());
        switch (provider) {
            case TWILIO -> twilio.acceptOnlyAuthToken(other);
            case VAPI -> vapi.acceptOnlyKey(other);
        }
    }

    /** Ends {@link #refuseCredentials}: the pipeline's own credentials are accepted again. */
    public void acceptCredentials() {
        twilio.acceptOnlyAuthToken(Secret.of(secrets.twilioAuthToken()));
        vapi.acceptOnlyKey(Secret.of(secrets.vapiApiKey()));
    }

    /**
     * The next purchase buys and then does not answer in time, and for a while every purchase shows on the account only
     * {@link #READ_BACK_LAG} after it happened: the saga's read-back finds nothing, its retry is answered 21422 (we own
     * it now). Call {@link #immediateReads} to end the lag.
     */
    public void purchaseTimeoutThenLaggingReads() {
        twilio.readBackLag(READ_BACK_LAG);
        twilio.faults().failNext(FakeTwilioServer.Operation.PURCHASE, Fault.timeoutAfterCommit(HANG));
    }

    public void immediateReads() {
        twilio.readBackLag(Duration.ZERO);
    }

    /** A burst of 429s with Retry-After on Twilio's search and purchase and on Vapi's import (bounded: the next few calls). */
    public String throttleStorm(Random r) {
        int search = 2 + r.nextInt(4);
        int purchase = 1 + r.nextInt(3);
        int imports = 1 + r.nextInt(3);
        Fault throttled = Fault.throttled(Duration.ofSeconds(1));
        twilio.faults().failNext(FakeTwilioServer.Operation.SEARCH, throttled, search);
        twilio.faults().failNext(FakeTwilioServer.Operation.PURCHASE, throttled, purchase);
        vapi.faults().failNext(FakeVapiServer.Operation.IMPORT, throttled, imports);
        return "429 Retry-After 1 s to the next " + search + " searches, " + purchase + " purchases, " + imports + " imports";
    }

    /** Arms a one-off fault (not {@link FaultKind#PROVIDER_SLOWNESS}: see {@link #slow} and {@link #fast}). */
    public void arm(FaultKind kind) {
        switch (kind) {
            case TWILIO_SEARCH_5XX -> twilio.faults().failNext(FakeTwilioServer.Operation.SEARCH, Fault.status(503));
            case TWILIO_SEARCH_TIMEOUT -> twilio.faults().failNext(FakeTwilioServer.Operation.SEARCH, Fault.timeout(HANG));
            case TWILIO_PURCHASE_4XX -> twilio.faults().failNext(FakeTwilioServer.Operation.PURCHASE, Fault.status(400));
            case TWILIO_PURCHASE_5XX -> twilio.faults().failNext(FakeTwilioServer.Operation.PURCHASE, Fault.status(500));
            case TWILIO_PURCHASE_5XX_AFTER_COMMIT -> twilio.faults().failNext(FakeTwilioServer.Operation.PURCHASE, Fault.errorAfterCommit(500));
            case TWILIO_PURCHASE_TIMEOUT_AFTER_COMMIT ->
                    twilio.faults().failNext(FakeTwilioServer.Operation.PURCHASE, Fault.timeoutAfterCommit(HANG));
            case TWILIO_READ_5XX -> twilio.faults().failNext(FakeTwilioServer.Operation.READ, Fault.status(503));
            case VAPI_IMPORT_4XX -> vapi.faults().failNext(FakeVapiServer.Operation.IMPORT, Fault.status(400));
            case VAPI_IMPORT_5XX -> vapi.faults().failNext(FakeVapiServer.Operation.IMPORT, Fault.status(502));
            case VAPI_IMPORT_5XX_AFTER_COMMIT -> vapi.faults().failNext(FakeVapiServer.Operation.IMPORT, Fault.errorAfterCommit(500));
            case VAPI_IMPORT_TIMEOUT -> vapi.faults().failNext(FakeVapiServer.Operation.IMPORT, Fault.timeout(HANG));
            case VAPI_BLANK_ID -> vapi.faults().failNext(FakeVapiServer.Operation.IMPORT, Fault.blankId());
            default -> throw new IllegalArgumentException(kind + " is not a one-off provider fault");
        }
    }

    /** Every Twilio and Vapi call takes at least {@code latency} from now on. */
    public void slow(Duration latency) {
        twilio.faults().latencyForAll(latency);
        vapi.faults().latencyForAll(latency);
    }

    /** Ends {@link #slow}. */
    public void fast() {
        slow(Duration.ZERO);
    }

    /** Drops every fault not yet consumed and all latency (the end of the fault phase). */
    public void clear() {
        twilio.faults().clear();
        vapi.faults().clear();
        immediateReads();
        acceptCredentials();
    }
}
