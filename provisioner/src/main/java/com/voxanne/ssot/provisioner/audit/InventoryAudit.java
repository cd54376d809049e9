package com.voxanne.ssot.provisioner.audit;

import com.voxanne.ssot.provisioner.ProviderException;
import com.voxanne.ssot.provisioner.store.Transactions;
import com.voxanne.ssot.provisioner.twilio.NumberVendor;
import com.voxanne.ssot.provisioner.twilio.OwnedNumber;
import com.voxanne.ssot.provisioner.vapi.ImportedNumber;
import com.voxanne.ssot.provisioner.vapi.VoiceAgentDirectory;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The Twilio <-> Vapi <-> database inventory diff behind {@code ./ssot audit}: paid numbers nobody recorded (the
 * incident), imports with no row, rows whose number Twilio or Vapi does not have, and released numbers that Twilio
 * or Vapi still hold (a release that did not finish its job, or a number put back by hand). Numbers held by a saga still in
 * flight are reported apart, not as orphans. Reads only.
 */
public final class InventoryAudit {
    private final Transactions tx;
    private final NumberVendor vendor;
    private final VoiceAgentDirectory directory;

    public InventoryAudit(DataSource dataSource, NumberVendor vendor, VoiceAgentDirectory directory) {
        this.tx = new Transactions(dataSource);
        this.vendor = vendor;
        this.directory = directory;
    }

    /** An active managed number as the database has it. */
    public record ManagedRow(String orgId, String phoneNumber, String twilioSid, String vapiPhoneId, String requestId) {
    }

    public InventoryReport run() throws ProviderException {
        List<OwnedNumber> owned = vendor.listOwned();
        List<ImportedNumber> imported = directory.listAll();
        List<ManagedRow> rows = managedRows();
        Set<String> inFlight = numbersInFlight();

        Map<String, ManagedRow> rowByNumber = new HashMap<>();
        rows.forEach(r -> rowByNumber.put(r.phoneNumber(), r));
        Set<String> ownedNumbers = new HashSet<>();
        owned.forEach(o -> ownedNumbers.add(o.phoneNumber()));
        Map<String, ImportedNumber> importByNumber = new HashMap<>();
        imported.forEach(i -> importByNumber.put(i.number(), i));

        List<OwnedNumber> paidButUnrecorded = new ArrayList<>();
        List<String> heldBySagasInFlight = new ArrayList<>();
        for (OwnedNumber o : owned) {
            if (!rowByNumber.containsKey(o.phoneNumber())) {
                if (inFlight.contains(o.phoneNumber())) {
                    heldBySagasInFlight.add(o.phoneNumber());
                } else {
                    paidButUnrecorded.add(o);
                }
            }
        }
        List<ImportedNumber> importedWithoutRow = imported.stream()
                .filter(i -> !rowByNumber.containsKey(i.number()) && !inFlight.contains(i.number()))
                .toList();
        List<ManagedRow> rowsNotOwned = rows.stream().filter(r -> !ownedNumbers.contains(r.phoneNumber())).toList();
        List<ManagedRow> rowsNotImported = rows.stream().filter(r -> !importByNumber.containsKey(r.phoneNumber())).toList();
        List<ManagedRow> vapiIdMismatch = rows.stream()
                .filter(r -> importByNumber.containsKey(r.phoneNumber())
                        && !r.vapiPhoneId().equals(importByNumber.get(r.phoneNumber()).id()))
                .toList();
        // a released number with no active row again: neither provider may still hold it (a release in flight excepted)
        List<ManagedRow> released = releasedRows().stream()
                .filter(r -> !rowByNumber.containsKey(r.phoneNumber()) && !inFlight.contains(r.phoneNumber()))
                .toList();
        Set<String> ownedSids = new HashSet<>();
        owned.forEach(o -> ownedSids.add(o.sid()));
        List<ManagedRow> releasedStillOwned = released.stream()
                .filter(r -> ownedSids.contains(r.twilioSid()) || ownedNumbers.contains(r.phoneNumber())).toList();
        List<ManagedRow> releasedStillImported = released.stream().filter(r -> importByNumber.containsKey(r.phoneNumber())).toList();
        return new InventoryReport(owned.size(), imported.size(), rows.size(), paidButUnrecorded, importedWithoutRow, rowsNotOwned,
                rowsNotImported, vapiIdMismatch, heldBySagasInFlight, releasedStillOwned, releasedStillImported);
    }

    private List<ManagedRow> managedRows() {
        return tx.inTransaction("read managed numbers", c -> {
            List<ManagedRow> rows = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("SELECT org_id::text, phone_number, twilio_sid, vapi_phone_id, request_id"
                    + " FROM managed_phone_numbers WHERE status = 'active' ORDER BY phone_number");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rows.add(new ManagedRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
                }
            }
            return rows;
        });
    }

    /** The latest released row of every number released at least once. */
    private List<ManagedRow> releasedRows() {
        return tx.inTransaction("read released managed numbers", c -> {
            List<ManagedRow> rows = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("SELECT DISTINCT ON (phone_number) org_id::text, phone_number, twilio_sid,"
                    + " vapi_phone_id, request_id FROM managed_phone_numbers WHERE status = 'released'"
                    + " ORDER BY phone_number, released_at DESC");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rows.add(new ManagedRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
                }
            }
            return rows;
        });
    }

    private Set<String> numbersInFlight() {
        return tx.inTransaction("read sagas in flight", c -> {
            Set<String> numbers = new HashSet<>();
            try (PreparedStatement st = c.prepareStatement("SELECT phone_number FROM provisioning_requests"
                    + " WHERE phone_number IS NOT NULL AND state IN ('NUMBER_CHOSEN', 'PURCHASED', 'IMPORTED', 'COMPENSATING',"
                    + " 'RELEASE_VALIDATED', 'VAPI_DELETED', 'TWILIO_RELEASED')");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    numbers.add(rs.getString(1));
                }
            }
            return numbers;
        });
    }
}
