package com.voxanne.ssot.reconciler.topology;

import com.voxanne.ssot.reconciler.model.ManagedNumberRow;
import com.voxanne.ssot.reconciler.model.SsotRow;
import java.util.Objects;

/**
 * One row of {@code managed_phone_numbers FULL OUTER JOIN org_credentials} on the (org, phone) key: either side may be
 * missing (an SSOT row with no managed number is what {@code STALE_SSOT_ROW} is about), never both.
 */
record JoinedNumber(ManagedNumberRow managed, SsotRow ssot) {
    JoinedNumber {
        if (managed == null && ssot == null) {
            throw new IllegalArgumentException("a joined number has a managed row, an SSOT row, or both");
        }
    }
}
