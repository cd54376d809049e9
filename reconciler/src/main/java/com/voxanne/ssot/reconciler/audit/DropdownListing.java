package com.voxanne.ssot.reconciler.audit;

import java.util.List;

/** What the agent-configuration dropdown lists for one organisation. */
public record DropdownListing(Organization organization, List<DropdownEntry> entries) {
    public DropdownListing {
        entries = List.copyOf(entries);
    }
}
