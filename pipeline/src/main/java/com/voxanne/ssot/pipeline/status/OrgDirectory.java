package com.voxanne.ssot.pipeline.status;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Names and emails of organisations by id, so the status page can say "Voxanne Demo Clinic" rather than a uuid. One
 * primary-key lookup of at most {@link #MAX_IDS} ids per call; ids that are not uuids or not in the table are left
 * out (the page then shows the id).
 */
public final class OrgDirectory {
    public static final int MAX_IDS = 200;

    /** What the page shows for an organisation. */
    public record OrgName(String name, String email) {
    }

    private final DataSource dataSource;
    private final Duration timeout;

    public OrgDirectory(DataSource dataSource, Duration timeout) {
        this.dataSource = dataSource;
        this.timeout = timeout;
    }

    public Map<String, OrgName> names(Collection<String> ids) throws SQLException {
        List<UUID> uuids = ids.stream().map(OrgDirectory::uuidOrNull).filter(u -> u != null).distinct().limit(MAX_IDS).toList();
        Map<String, OrgName> out = new LinkedHashMap<>();
        if (uuids.isEmpty()) {
            return out;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id::text, name, email FROM organizations WHERE id = ANY(?)")) {
            ps.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
            Array array = c.createArrayOf("uuid", uuids.toArray());
            ps.setArray(1, array);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new OrgName(rs.getString(2), rs.getString(3)));
                }
            } finally {
                if (!c.getAutoCommit()) {
                    c.rollback();
                }
            }
        }
        return out;
    }

    private static UUID uuidOrNull(String id) {
        try {
            return id == null ? null : UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
