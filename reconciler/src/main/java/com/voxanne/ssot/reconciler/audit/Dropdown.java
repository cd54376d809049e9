package com.voxanne.ssot.reconciler.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * What the agent-configuration dropdown shows for an organisation (the seed's
 * {@code verify-dropdown-visibility} script): the SSOT rows of that org only, provider twilio, with a
 * Vapi phone id. {@link #VISIBLE_SQL} is the one definition of "visible"; {@link ComplianceCheck} asks
 * this class rather than restating it.
 */
public final class Dropdown {
    /** Over {@code org_credentials c}: the row is offered by the dropdown. */
    public static final String VISIBLE_SQL =
            "c.provider = 'twilio' AND c.vapi_phone_id IS NOT NULL AND btrim(c.vapi_phone_id) <> ''";

    /**
     * Over {@code org_credentials c}: no active managed number stands behind the row, and the row claims to be managed
     * or its number was a managed one (released): the stale row of {@code STALE_SSOT_ROW}, same rule as the stream.
     */
    public static final String STALE_SQL = "NOT EXISTS (SELECT 1 FROM managed_phone_numbers a WHERE a.org_id = c.org_id"
            + " AND a.phone_number = c.phone_number AND a.status = 'active') AND (c.is_managed OR EXISTS (SELECT 1 FROM"
            + " managed_phone_numbers r WHERE r.org_id = c.org_id AND r.phone_number = c.phone_number))";

    private static final String LIST_SQL = "SELECT c.phone_number, c.vapi_phone_id, c.twilio_sid, c.is_managed, ("
            + STALE_SQL + ") AS stale FROM org_credentials c WHERE c.org_id = ? AND " + VISIBLE_SQL + " ORDER BY c.phone_number";

    private final ReadOnlyQueries db;

    public Dropdown(DataSource dataSource) {
        this.db = new ReadOnlyQueries(dataSource);
    }

    /**
     * @param orgIdOrEmail the organisation's uuid or email
     * @throws UnknownOrganizationException when there is no such organisation
     * @throws DatabaseReadException        when the database cannot be read
     */
    public DropdownListing list(String orgIdOrEmail) {
        return db.read("the dropdown of " + orgIdOrEmail, c -> {
            Organization org = ReadOnlyQueries.organization(c, orgIdOrEmail);
            return new DropdownListing(org, entries(c, org.id()));
        });
    }

    static List<DropdownEntry> entries(Connection c, UUID orgId) throws SQLException {
        List<DropdownEntry> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(LIST_SQL)) {
            ps.setObject(1, orgId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new DropdownEntry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4), rs.getBoolean(5)));
                }
            }
        }
        return out;
    }
}
