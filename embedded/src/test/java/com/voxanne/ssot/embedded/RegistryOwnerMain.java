package com.voxanne.ssot.embedded;

import java.nio.file.Path;

/**
 * A JVM that owns a schema registry and then just waits: started by {@link EmbeddedSchemaRegistryTest} as its own
 * process, so that the test can {@code kill -9} the owner. Prints {@code REGISTRY <pid> <url>} once the registry answers.
 */
public final class RegistryOwnerMain {
    private RegistryOwnerMain() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder().dataDir(Path.of(args[0])).build().start();
        System.out.println("REGISTRY " + registry.process().orElseThrow().pid() + " " + registry.url());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE); // until killed
    }
}
