package com.voxanne.ssot.faults.inject;

import com.voxanne.ssot.faults.schedule.FaultKind;
import com.voxanne.ssot.schemas.Topics;

/** The topics the pipeline consumes, where malformed input is injected; each has a consumer that must park it and go on. */
public enum InputTopic {
    REQUESTS(FaultKind.MALFORMED_REQUEST),
    EVENTS(FaultKind.MALFORMED_EVENT),
    CDC_MANAGED(FaultKind.MALFORMED_CDC_MANAGED),
    CDC_SSOT(FaultKind.MALFORMED_CDC_SSOT);

    private final FaultKind fault;

    InputTopic(FaultKind fault) {
        this.fault = fault;
    }

    public FaultKind fault() {
        return fault;
    }

    public static InputTopic of(FaultKind fault) {
        for (InputTopic t : values()) {
            if (t.fault == fault) {
                return t;
            }
        }
        throw new IllegalArgumentException(fault + " is not a malformed-input fault");
    }

    /** The topic's name in this deployment. */
    public String name(Topics topics) {
        return switch (this) {
            case REQUESTS -> topics.provisioningRequests().name();
            case EVENTS -> topics.numbersProvisioned().name();
            case CDC_MANAGED -> topics.cdcManagedNumbers().name();
            case CDC_SSOT -> topics.cdcOrgCredentials().name();
        };
    }
}
