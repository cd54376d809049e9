package com.voxanne.ssot.reconciler.audit;

import com.voxanne.ssot.reconciler.model.Compliance;
import java.time.Instant;
import java.util.List;

/**
 * The compliance table of one active managed number.
 *
 * @param compliance      the verdict, with the same rule as the stream ({@link Compliance#of})
 * @param ssotRecordAt    when the SSOT row was created (null without one)
 */
public record NumberCheck(
        String phoneNumber,
        String managedNumberId,
        String vapiPhoneId,
        String twilioSid,
        Instant provisionedAt,
        Instant ssotRecordAt,
        Compliance compliance,
        List<CheckResult> checks) {

    public NumberCheck {
        checks = List.copyOf(checks);
    }

    public boolean passed() {
        return checks.stream().allMatch(CheckResult::pass);
    }
}
