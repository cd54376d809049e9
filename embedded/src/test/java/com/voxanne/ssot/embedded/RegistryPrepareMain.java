package com.voxanne.ssot.embedded;

import java.net.URI;
import java.nio.file.Path;

/** Prepares the registry distribution in another JVM, for {@link RegistryDistributionTest}: prints {@code RUNNER <path>}. */
public final class RegistryPrepareMain {
    private RegistryPrepareMain() {
    }

    public static void main(String[] args) {
        Path runner = new RegistryDistribution(Path.of(args[0]), URI.create(args[1])).prepare();
        System.out.println("RUNNER " + runner);
    }
}
