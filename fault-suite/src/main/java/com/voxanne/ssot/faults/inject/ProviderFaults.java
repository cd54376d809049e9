package com.voxanne.ssot.faults.inject;

import com.voxanne.ssot.faults.schedule.FaultKind;
import com.voxanne.ssot.provisioner.sim.FakeTwilioServer;
import com.voxanne.ssot.provisioner.sim.FakeVapiServer;
import com.voxanne.ssot.provisioner.sim.Fault;
import java.time.Duration;

/**
 * Turns a provider {@link FaultKind} into the simulated Twilio's and Vapi's fault plans: each arms the NEXT call of one
 * operation (whichever saga makes it). Timeouts hold the call {@link #HANG}, longer than the provisioner's HTTP timeout.
 */
public final class ProviderFaults {
    /** How long a "timeout" holds a call: longer than the suite's PROVISIONER_HTTP_TIMEOUT. */
    public static final Duration HANG = Duration.ofSeconds(3);

    private final FakeTwilioServer twilio;
    private final FakeVapiServer vapi;

    public ProviderFaults(FakeTwilioServer twilio, FakeVapiServer vapi) {
        this.twilio = twilio;
        this.vapi = vapi;
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
    }
}
