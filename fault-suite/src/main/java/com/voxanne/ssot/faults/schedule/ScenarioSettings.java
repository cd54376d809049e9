package com.voxanne.ssot.faults.schedule;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * How hard one run attacks the pipeline. {@code short} runs inside every build (a few minutes), {@code long} injects
 * hundreds of faults (about twenty minutes), {@code smoke} is the short scenario with one fault of each category (for
 * the broken-build check).
 *
 * @param name            short, long or smoke
 * @param organizations   organisations created besides the demo ones (provisioning is serial per organisation)
 * @param requestInterval the steady request stream: one request this often
 * @param warmUpResults   results to see before the first fault (so there is an event log to replay)
 * @param rounds          how many times every fault kind (every malformed variant on every topic) is injected
 * @param extraFaults     further faults drawn at random by weight
 * @param kinds           the fault kinds this setting uses
 * @param pauseMin        least time between two faults
 * @param pauseMax        most time between two faults
 * @param ssotLosses      SSOT rows deleted behind the pipeline's back at the end (each must open and resolve a violation);
 *                        as many stale SSOT rows are inserted after them (each must open STALE_SSOT_ROW and resolve)
 * @param canaries        requests sent after everything else: they prove every consumer went on
 * @param grace           SSOT_GRACE of the reconciler
 * @param settleTimeout   how long the run waits for the pipeline to finish its work after the last fault
 * @param recoveryTimeout how long the run waits, after a disruptive fault, for the pipeline to be healthy and for a new
 *                        number to reach the SSOT (longer is noted as not recovered)
 */
public record ScenarioSettings(String name, int organizations, Duration requestInterval, int warmUpResults, int rounds,
                               int extraFaults, Set<FaultKind> kinds, Duration pauseMin, Duration pauseMax, int ssotLosses,
                               int canaries, Duration grace, Duration settleTimeout, Duration recoveryTimeout) {

    public ScenarioSettings {
        kinds = Set.copyOf(kinds);
        if (organizations < 1 || rounds < 0 || extraFaults < 0 || ssotLosses < 0 || canaries < 1 || warmUpResults < 0) {
            throw new IllegalArgumentException("scenario '" + name + "': counts must be positive (organizations " + organizations
                    + ", rounds " + rounds + ", extraFaults " + extraFaults + ", ssotLosses " + ssotLosses + ", canaries " + canaries + ")");
        }
        if (pauseMax.compareTo(pauseMin) < 0 || requestInterval.isZero() || requestInterval.isNegative() || grace.isZero()) {
            throw new IllegalArgumentException("scenario '" + name + "': pauses, request interval and grace must be positive");
        }
        if (kinds.contains(FaultKind.SSOT_LOSS) || kinds.contains(FaultKind.STALE_SSOT_ROW)) {
            throw new IllegalArgumentException("SSOT_LOSS and STALE_SSOT_ROW are injected after the fault phase (ssotLosses), not scheduled");
        }
    }

    /** How long the run waits for every managed number to reach the SSOT after the results are in. */
    public Duration projectionTimeout() {
        return settleTimeout.dividedBy(2);
    }

    /** How long the run waits for the canaries' SSOT rows. */
    public Duration canaryTimeout() {
        Duration quarter = settleTimeout.dividedBy(4);
        return quarter.compareTo(Duration.ofSeconds(15)) < 0 ? Duration.ofSeconds(15) : quarter;
    }

    /** Every schedulable kind. */
    public static Set<FaultKind> allKinds() {
        Set<FaultKind> all = EnumSet.allOf(FaultKind.class);
        all.remove(FaultKind.SSOT_LOSS);
        all.remove(FaultKind.STALE_SSOT_ROW);
        return all;
    }

    public static ScenarioSettings shortSetting() {
        return new ScenarioSettings("short", 6, Duration.ofMillis(300), 5, 1, 0, allKinds(), Duration.ofMillis(100),
                Duration.ofMillis(500), 2, 5, Duration.ofSeconds(10), Duration.ofMinutes(2), Duration.ofSeconds(60));
    }

    public static ScenarioSettings longSetting() {
        return new ScenarioSettings("long", 10, Duration.ofMillis(250), 10, 3, 180, allKinds(), Duration.ofMillis(200),
                Duration.ofMillis(1500), 10, 20, Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(120));
    }

    /** One fault of each category, malformed input on the event log only: the same scenario, quickly. */
    public static ScenarioSettings smokeSetting() {
        return new ScenarioSettings("smoke", 4, Duration.ofMillis(300), 5, 1, 0,
                EnumSet.of(FaultKind.KILL_PROVISIONER_AFTER_PURCHASE_ANSWER, FaultKind.KILL_PROJECTOR_BETWEEN_COMMITS,
                        FaultKind.DUPLICATE_REQUEST, FaultKind.REPLAY_EVENT, FaultKind.OUT_OF_ORDER_EVENT, FaultKind.MALFORMED_EVENT,
                        FaultKind.TWILIO_PURCHASE_5XX_AFTER_COMMIT),
                Duration.ofMillis(200), Duration.ofMillis(500), 1, 5, Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    /** By name: short, long or smoke (the {@code faults.setting} system property). */
    public static ScenarioSettings named(String name) {
        return switch (name == null ? "short" : name.trim().toLowerCase(Locale.ROOT)) {
            case "", "short" -> shortSetting();
            case "long" -> longSetting();
            case "smoke" -> smokeSetting();
            default -> throw new IllegalArgumentException("faults.setting must be short, long or smoke, was '" + name + "'");
        };
    }
}
