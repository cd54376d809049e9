package com.voxanne.ssot.projector.store;

import java.util.List;

/** What one SSOT write did: the counts of what was written, and the candidates the database refused. */
public record WriteResult<T>(UpsertCounts counts, List<Refusal<T>> refused) {
    public WriteResult {
        refused = List.copyOf(refused);
    }
}
