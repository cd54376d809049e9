package com.voxanne.ssot.reconciler.audit;

/** No organisation has this id or email: a mistake of the user's, reported as such by the CLI. */
public final class UnknownOrganizationException extends RuntimeException {
    public UnknownOrganizationException(String idOrEmail) {
        super("no organisation with id or email '" + idOrEmail + "'");
    }
}
