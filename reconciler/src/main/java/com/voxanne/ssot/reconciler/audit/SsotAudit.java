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
    /**
     * One pass over both tables: a full outer join of the active managed numbers and the twilio SSOT rows on
     * (org_id, phone_number) keeps the pairs that are not compliant, each side read once (two anti-joins, one per
     * direction, read both tables twice). Only an SSOT row with no active number behind it looks up its latest
     * released number, which says whether the row is stale (it was managed) or the customer's own number.
     */
    static final String AUDIT_SQL = """
            SELECT coalesce(f.m_id::text, r.id::text, '') AS id, f.org_id, o.email, f.phone_number,
                   coalesce(f.vapi_phone_id, r.vapi_phone_id, '') AS vapi_phone_id, coalesce(f.provisioned_at, r.provisioned_at)
                   AS provisioned_at, f.observed_vapi_phone_id, f.is_managed,
                   CASE
                     WHEN f.m_id IS NULL THEN 'STALE_SSOT_ROW'
                     WHEN f.c_id IS NULL THEN 'MISSING_SSOT_ROW'
                     WHEN f.observed_vapi_phone_id IS NULL OR btrim(f.observed_vapi_phone_id) = '' THEN 'MISSING_VAPI_ID'
                     WHEN f.observed_vapi_phone_id <> f.vapi_phone_id THEN 'VAPI_ID_MISMATCH'
                     ELSE 'NOT_MARKED_MANAGED'
                   END AS kind
              FROM (SELECT m.id AS m_id, c.id AS c_id, coalesce(m.org_id, c.org_id) AS org_id,
                           coalesce(m.phone_number, c.phone_number) AS phone_number, m.vapi_phone_id, m.provisioned_at,
                           c.vapi_phone_id AS observed_vapi_phone_id, c.is_managed
                      FROM (SELECT id, org_id, phone_number, vapi_phone_id, provisioned_at
                              FROM managed_phone_numbers WHERE status = 'active') m
                      FULL JOIN (SELECT id, org_id, phone_number, vapi_phone_id, is_managed
                                   FROM org_credentials WHERE provider = 'twilio') c
                        ON c.org_id = m.org_id AND c.phone_number = m.phone_number
                     WHERE m.id IS NULL OR c.id IS NULL
                        OR c.vapi_phone_id IS NULL OR btrim(c.vapi_phone_id) = ''
                        OR c.vapi_phone_id <> m.vapi_phone_id
                        OR NOT c.is_managed) f
              JOIN organizations o ON o.id = f.org_id
              LEFT JOIN LATERAL (SELECT id, vapi_phone_id, provisioned_at FROM managed_phone_numbers r
                                  WHERE f.m_id IS NULL AND r.org_id = f.org_id AND r.phone_number = f.phone_number
                                  ORDER BY r.released_at DESC NULLS LAST LIMIT 1) r ON true
             WHERE f.m_id IS NOT NULL OR f.is_managed OR r.id IS NOT NULL
             ORDER BY f.org_id, f.phone_number
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
