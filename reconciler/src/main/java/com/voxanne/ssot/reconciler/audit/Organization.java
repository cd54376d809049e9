package com.voxanne.ssot.reconciler.audit;

import java.util.UUID;

/** An organisation as the commands show it: the seed looks them up by email as often as by id. */
public record Organization(UUID id, String name, String email) {
}
