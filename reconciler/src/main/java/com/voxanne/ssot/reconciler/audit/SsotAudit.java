package com.voxanne.ssot.reconciler.audit;

import com.voxanne.ssot.reconciler.model.Compliance;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * {@code ./ssot audit}: an independent check of the SSOT in one SQL anti-join, with no Kafka and none
 * of the stream's code: every ACTIVE managed number whose org_credentials row is missing or invalid,
 * classified with the same kinds and the same precedence as the stream (MISSING_SSOT_ROW, then
 * MISSING_VAPI_ID, then VAPI_ID_MISMATCH, then NOT_MARKED_MANAGED), and, the other direction, every SSOT row with no
 * active managed number behind it (STALE_SSOT_ROW: released, or none while the row says managed). When both agree, the pipeline is
 * trustworthy; when they differ, one of them is wrong, which is the point of having two.
 */
public final class SsotAudit {
    static final String AUDIT_SQL = """
            SELECT * FROM (
            SELECT m.id::text AS id, m.org_id, o.email, m.phone_number, m.vapi_phone_id, m.provisioned_at,
                   c.vapi_phone_id AS observed_vapi_phone_id, c.is_managed,
                   CASE
                     WHEN c.id IS NULL THEN 'MISSING_SSOT_ROW'
                     WHEN c.vapi_phone_id IS NULL OR btrim(c.vapi_phone_id) = '' THEN 'MISSING_VAPI_ID'
                     WHEN c.vapi_phone_id <> m.vapi_phone_id THEN 'VAPI_ID_MISMATCH'
                     ELSE 'NOT_MARKED_MANAGED'
                   END AS kind
              FROM managed_phone_numbers m
              JOIN organizations o ON o.id = m.org_id
              LEFT JOIN org_credentials c
                     ON c.org_id = m.org_id AND c.phone_number = m.phone_number AND c.provider = 'twilio'
             WHERE m.status = 'active'
               AND (c.id IS NULL
                    OR c.vapi_phone_id IS NULL OR btrim(c.vapi_phone_id) = ''
                    OR c.vapi_phone_id <> m.vapi_phone_id
                    OR NOT c.is_managed)
            UNION ALL
            SELECT coalesce(r.id::text, '') AS id, c.org_id, o.email, c.phone_number, coalesce(r.vapi_phone_id, '') AS vapi_phone_id,
                   r.provisioned_at, c.vapi_phone_id AS observed_vapi_phone_id, c.is_managed, 'STALE_SSOT_ROW' AS kind
              FROM org_credentials c
              JOIN organizations o ON o.id = c.org_id
              LEFT JOIN LATERAL (SELECT id, vapi_phone_id, provisioned_at FROM managed_phone_numbers r
                                  WHERE r.org_id = c.org_id AND r.phone_number = c.phone_number
                                  ORDER BY r.released_at DESC NULLS LAST LIMIT 1) r ON true
             WHERE c.provider = 'twilio'
               AND NOT EXISTS (SELECT 1 FROM managed_phone_numbers a
                                WHERE a.org_id = c.org_id AND a.phone_number = c.phone_number AND a.status = 'active')
               AND (c.is_managed OR r.id IS NOT NULL)
            ) findings
             ORDER BY org_id, phone_number
            """;


    private final ReadOnlyQueries db;

    public SsotAudit(DataSource dataSource) {
        this.db = new ReadOnlyQueries(dataSource);
    }

    /**
     * @return every violation in the database now, by org then phone number
     * @throws DatabaseReadException when the database cannot be read
     */
    public List<AuditFinding> findings() {
        return db.read("the SSOT audit", c -> {
            List<AuditFinding> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(AUDIT_SQL); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    boolean managedFlag = rs.getBoolean("is_managed");
                    Boolean flag = rs.wasNull() ? null : managedFlag;
                    Timestamp provisioned = rs.getTimestamp("provisioned_at");
                    out.add(new AuditFinding(rs.getString("org_id"), rs.getString("email"), rs.getString("phone_number"),
                            Compliance.valueOf(rs.getString("kind")), rs.getString("id"), rs.getString("vapi_phone_id"),
                            rs.getString("observed_vapi_phone_id"), flag,
                            provisioned == null ? null : provisioned.toInstant()));
                }
            }
            return out;
        });
    }
}
