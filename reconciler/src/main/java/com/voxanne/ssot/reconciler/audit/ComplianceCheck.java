package com.voxanne.ssot.reconciler.audit;

import com.voxanne.ssot.reconciler.model.Compliance;
import com.voxanne.ssot.reconciler.model.ManagedNumberRow;
import com.voxanne.ssot.reconciler.model.SsotRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * {@code ./ssot check --org ID|EMAIL}: the seed's {@code investigate-ssot-violation} script as a
 * command. For each ACTIVE managed number of the organisation, straight from Postgres (works with Kafka
 * down): managed number exists, SSOT record exists, is_managed set, vapiPhoneId present, vapiPhoneId
 * matches the managed number's, and dropdown visibility (asked of {@link Dropdown}, the one definition). Then each SSOT
 * row of the organisation with no active managed number behind it (STALE_SSOT_ROW), which fails the check.
 */
public final class ComplianceCheck {
    private static final String NUMBERS_SQL = "SELECT m.id, m.org_id, m.phone_number, m.twilio_sid, m.vapi_phone_id,"
            + " m.status, m.provisioned_at, c.id AS c_id, c.provider, c.vapi_phone_id AS c_vapi_phone_id,"
            + " c.twilio_sid AS c_twilio_sid, c.is_managed, c.version, c.created_at AS c_created_at"
            + " FROM managed_phone_numbers m"
            + " LEFT JOIN org_credentials c ON c.org_id = m.org_id AND c.phone_number = m.phone_number AND c.provider = 'twilio'"
            + " WHERE m.org_id = ? AND m.status = 'active' ORDER BY m.phone_number";

    private static final String STALE_SQL = "SELECT c.id, c.phone_number, c.vapi_phone_id, c.twilio_sid, c.created_at,"
            + " r.id::text AS m_id, r.released_at, r.provisioned_at FROM org_credentials c"
            + " LEFT JOIN LATERAL (SELECT id, released_at, provisioned_at FROM managed_phone_numbers r WHERE r.org_id = c.org_id"
            + " AND r.phone_number = c.phone_number ORDER BY r.released_at DESC NULLS LAST LIMIT 1) r ON true"
            + " WHERE c.org_id = ? AND c.provider = 'twilio' AND " + Dropdown.STALE_SQL + " ORDER BY c.phone_number";

    private final ReadOnlyQueries db;

    public ComplianceCheck(DataSource dataSource) {
        this.db = new ReadOnlyQueries(dataSource);
    }

    /**
     * @throws UnknownOrganizationException when there is no such organisation
     * @throws DatabaseReadException        when the database cannot be read
     */
    public ComplianceReport check(String orgIdOrEmail) {
        return db.read("the SSOT compliance of " + orgIdOrEmail, c -> {
            Organization org = ReadOnlyQueries.organization(c, orgIdOrEmail);
            Map<String, DropdownEntry> visible = Dropdown.entries(c, org.id()).stream()
                    .collect(Collectors.toMap(DropdownEntry::phoneNumber, Function.identity(), (a, b) -> a));
            List<NumberCheck> numbers = numbers(c, org.id(), visible);
            numbers.addAll(staleRows(c, org.id(), visible));
            return new ComplianceReport(org, numbers);
        });
    }

    private static List<NumberCheck> numbers(Connection c, UUID orgId, Map<String, DropdownEntry> visible)
            throws SQLException {
        List<NumberCheck> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(NUMBERS_SQL)) {
            ps.setObject(1, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ManagedNumberRow managed = new ManagedNumberRow(rs.getString("id"), rs.getString("org_id"),
                            rs.getString("phone_number"), rs.getString("twilio_sid"), rs.getString("vapi_phone_id"),
                            rs.getString("status"));
                    long ssotId = rs.getLong("c_id");
                    SsotRow ssot = rs.wasNull() ? null : new SsotRow(ssotId, managed.orgId(), rs.getString("provider"),
                            managed.phoneNumber(), rs.getString("c_vapi_phone_id"), rs.getString("c_twilio_sid"),
                            rs.getBoolean("is_managed"), rs.getLong("version"));
                    out.add(new NumberCheck(managed.phoneNumber(), managed.id(), managed.vapiPhoneId(), managed.twilioSid(),
                            instant(rs.getTimestamp("provisioned_at")), instant(rs.getTimestamp("c_created_at")),
                            Compliance.of(managed, ssot), checks(managed, ssot, visible.get(managed.phoneNumber()))));
                }
            }
        }
        return out;
    }

    /** The org's SSOT rows with no active managed number behind them ({@link Dropdown#STALE_SQL}): STALE_SSOT_ROW. */
    private static List<NumberCheck> staleRows(Connection c, UUID orgId, Map<String, DropdownEntry> visible) throws SQLException {
        List<NumberCheck> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(STALE_SQL)) {
            ps.setObject(1, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String phone = rs.getString("phone_number");
                    String managedId = rs.getString("m_id");
                    Timestamp releasedAt = rs.getTimestamp("released_at");
                    List<CheckResult> checks = new ArrayList<>();
                    checks.add(CheckResult.fail(CheckResult.MANAGED_NUMBER_EXISTS, managedId == null
                            ? "no managed number at all, yet the SSOT row says is_managed"
                            : "no active managed number: " + managedId + " was released at " + instant(releasedAt)));
                    checks.add(CheckResult.pass(CheckResult.SSOT_RECORD_EXISTS, "found in org_credentials (id " + rs.getLong("id")
                            + "): it should not be"));
                    checks.add(visible.containsKey(phone)
                            ? CheckResult.fail(CheckResult.DROPDOWN_VISIBLE, "listed by the agent-config dropdown with no active"
                                    + " managed number behind it: an agent assigned to it takes no calls")
                            : CheckResult.pass(CheckResult.DROPDOWN_VISIBLE, "not listed by the agent-config dropdown"));
                    out.add(new NumberCheck(phone, managedId == null ? "" : managedId, rs.getString("vapi_phone_id"),
                            rs.getString("twilio_sid"), instant(rs.getTimestamp("provisioned_at")), instant(rs.getTimestamp("created_at")),
                            Compliance.STALE_SSOT_ROW, checks));
                }
            }
        }
        return out;
    }

    public static List<CheckResult> checks(ManagedNumberRow managed, SsotRow ssot, DropdownEntry listed) {
        List<CheckResult> checks = new ArrayList<>();
        checks.add(CheckResult.pass(CheckResult.MANAGED_NUMBER_EXISTS,
                "found in managed_phone_numbers (id " + managed.id() + ", status " + managed.status() + ")"));
        if (ssot == null) {
            checks.add(CheckResult.fail(CheckResult.SSOT_RECORD_EXISTS, "no org_credentials row for this org and number"));
            checks.add(CheckResult.fail(CheckResult.IS_MANAGED_SET, "no SSOT row"));
            checks.add(CheckResult.fail(CheckResult.VAPI_ID_PRESENT, "no SSOT row"));
            checks.add(CheckResult.fail(CheckResult.VAPI_ID_MATCHES, "no SSOT row; expected " + managed.vapiPhoneId()));
        } else {
            checks.add(CheckResult.pass(CheckResult.SSOT_RECORD_EXISTS, "found in org_credentials (id " + ssot.id() + ")"));
            checks.add(ssot.managed()
                    ? CheckResult.pass(CheckResult.IS_MANAGED_SET, "is_managed = true")
                    : CheckResult.fail(CheckResult.IS_MANAGED_SET, "is_managed = false"));
            if (ssot.hasVapiPhoneId()) {
                checks.add(CheckResult.pass(CheckResult.VAPI_ID_PRESENT, ssot.vapiPhoneId()));
                checks.add(ssot.vapiPhoneId().equals(managed.vapiPhoneId())
                        ? CheckResult.pass(CheckResult.VAPI_ID_MATCHES, "same as managed_phone_numbers")
                        : CheckResult.fail(CheckResult.VAPI_ID_MATCHES, "SSOT has " + ssot.vapiPhoneId()
                                + ", managed_phone_numbers has " + managed.vapiPhoneId()));
            } else {
                checks.add(CheckResult.fail(CheckResult.VAPI_ID_PRESENT, "vapi_phone_id is "
                        + (ssot.vapiPhoneId() == null ? "null" : "blank")));
                checks.add(CheckResult.fail(CheckResult.VAPI_ID_MATCHES, "no vapi_phone_id; expected " + managed.vapiPhoneId()));
            }
        }
        checks.add(listed != null
                ? CheckResult.pass(CheckResult.DROPDOWN_VISIBLE, "listed by the agent-config dropdown")
                : CheckResult.fail(CheckResult.DROPDOWN_VISIBLE, "not listed by the agent-config dropdown"));
        return checks;
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}
