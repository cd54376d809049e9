package com.voxanne.ssot.projector.store;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * Set-based existence check of organisations, in the writer's transaction. An event for an unknown
 * organisation would fail the whole batch on the foreign key; finding it first lets only that event go
 * to the dead-letter topic.
 */
public final class KnownOrganizations {
    private static final String SQL = "SELECT id FROM organizations WHERE id = ANY (?)";

    /** The subset of {@code orgIds} that exist. */
    public Set<UUID> existing(Connection connection, Collection<UUID> orgIds) throws SQLException {
        Set<UUID> found = new HashSet<>();
        if (orgIds.isEmpty()) {
            return found;
        }
        Array ids = connection.createArrayOf("uuid", orgIds.toArray(new UUID[0]));
        try (PreparedStatement ps = connection.prepareStatement(SQL)) {
            ps.setArray(1, ids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getObject(1, UUID.class));
                }
            }
        } finally {
            ids.free();
        }
        return found;
    }
}
