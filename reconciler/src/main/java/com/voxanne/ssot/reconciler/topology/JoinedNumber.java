package com.voxanne.ssot.reconciler.topology;

import com.voxanne.ssot.reconciler.model.ManagedNumberRow;
import com.voxanne.ssot.reconciler.model.SsotRow;
import java.util.Objects;

/** One row of {@code managed_phone_numbers LEFT JOIN org_credentials} on the (org, phone) key. */
record JoinedNumber(ManagedNumberRow managed, SsotRow ssot) {
    JoinedNumber {
        Objects.requireNonNull(managed, "managed");
    }
}
