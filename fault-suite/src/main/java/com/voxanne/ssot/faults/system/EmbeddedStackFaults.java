package com.voxanne.ssot.faults.system;

import com.voxanne.ssot.embedded.EmbeddedStack;

/** {@link StackFaults} over an {@link EmbeddedStack} (for running the suite from the command line on the embedded default). */
public final class EmbeddedStackFaults implements StackFaults {
    private final EmbeddedStack stack;

    public EmbeddedStackFaults(EmbeddedStack stack) {
        this.stack = stack;
    }

    @Override
    public void restartKafka() {
        stack.kafka().restart();
    }

    @Override
    public void stopPostgres() {
        stack.postgres().stop();
    }

    @Override
    public void startPostgres() {
        stack.postgres().start();
    }

    @Override
    public void stopSchemaRegistry() {
        stack.schemaRegistry().stop();
    }

    @Override
    public void startSchemaRegistry() {
        stack.schemaRegistry().start();
    }

    @Override
    public String schemaRegistryUrl() {
        return stack.schemaRegistryUrl();
    }
}
