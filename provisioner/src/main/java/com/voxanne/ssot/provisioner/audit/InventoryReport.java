package com.voxanne.ssot.provisioner.audit;

import com.voxanne.ssot.provisioner.audit.InventoryAudit.ManagedRow;
import com.voxanne.ssot.provisioner.twilio.OwnedNumber;
import com.voxanne.ssot.provisioner.vapi.ImportedNumber;
import java.util.List;

/**
 * What {@link InventoryAudit} found. {@link #clean()} is false when money or visibility is at stake: a paid number
 * without a row, an import without a row, a row the providers do not back, or a released number a provider still holds.
 */
public record InventoryReport(
        int twilioOwned,
        int vapiImported,
        int managedActive,
        List<OwnedNumber> paidButUnrecorded,
        List<ImportedNumber> importedWithoutRow,
        List<ManagedRow> rowsNotOwnedInTwilio,
        List<ManagedRow> rowsNotImportedInVapi,
        List<ManagedRow> vapiIdMismatches,
        List<String> heldBySagasInFlight,
        List<ManagedRow> releasedStillOwnedInTwilio,
        List<ManagedRow> releasedStillImportedInVapi) {

    /** A report from before releases were audited (no released number still held). */
    public InventoryReport(int twilioOwned, int vapiImported, int managedActive, List<OwnedNumber> paidButUnrecorded,
                           List<ImportedNumber> importedWithoutRow, List<ManagedRow> rowsNotOwnedInTwilio,
                           List<ManagedRow> rowsNotImportedInVapi, List<ManagedRow> vapiIdMismatches,
                           List<String> heldBySagasInFlight) {
        this(twilioOwned, vapiImported, managedActive, paidButUnrecorded, importedWithoutRow, rowsNotOwnedInTwilio,
                rowsNotImportedInVapi, vapiIdMismatches, heldBySagasInFlight, List.of(), List.of());
    }

    public boolean clean() {
        return paidButUnrecorded.isEmpty() && importedWithoutRow.isEmpty() && rowsNotOwnedInTwilio.isEmpty()
                && rowsNotImportedInVapi.isEmpty() && vapiIdMismatches.isEmpty() && releasedStillOwnedInTwilio.isEmpty()
                && releasedStillImportedInVapi.isEmpty();
    }

    /** A plain-text report for the terminal. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("Twilio owns %d, Vapi has %d imports, database has %d active managed numbers%n", twilioOwned, vapiImported,
                managedActive));
        section(sb, "Paid in Twilio, no managed row (orphans)", paidButUnrecorded.stream()
                .map(o -> o.phoneNumber() + " " + o.sid()).toList());
        section(sb, "Imported in Vapi, no managed row", importedWithoutRow.stream().map(i -> i.number() + " " + i.id()).toList());
        section(sb, "Managed row, not owned in Twilio", rowsNotOwnedInTwilio.stream().map(InventoryReport::describe).toList());
        section(sb, "Managed row, not imported in Vapi", rowsNotImportedInVapi.stream().map(InventoryReport::describe).toList());
        section(sb, "Managed row's vapi_phone_id differs from Vapi", vapiIdMismatches.stream().map(InventoryReport::describe).toList());
        section(sb, "Released, still owned in Twilio (paid for nothing)", releasedStillOwnedInTwilio.stream()
                .map(InventoryReport::describe).toList());
        section(sb, "Released, still imported in Vapi (answering a number we gave back)", releasedStillImportedInVapi.stream()
                .map(InventoryReport::describe).toList());
        if (!heldBySagasInFlight.isEmpty()) {
            sb.append("Held by sagas in flight (not orphans): ").append(String.join(", ", heldBySagasInFlight)).append(System.lineSeparator());
        }
        sb.append(clean() ? "Inventory is consistent." : "Inventory is NOT consistent.").append(System.lineSeparator());
        return sb.toString();
    }

    private static String describe(ManagedRow r) {
        return r.phoneNumber() + " org=" + r.orgId() + " twilioSid=" + r.twilioSid() + " vapiPhoneId=" + r.vapiPhoneId();
    }

    private static void section(StringBuilder sb, String title, List<String> lines) {
        sb.append(title).append(": ").append(lines.isEmpty() ? "none" : lines.size()).append(System.lineSeparator());
        lines.forEach(l -> sb.append("  ").append(l).append(System.lineSeparator()));
    }
}
