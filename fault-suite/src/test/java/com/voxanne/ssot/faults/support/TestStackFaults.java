package com.voxanne.ssot.faults.support;

import com.voxanne.ssot.faults.system.StackFaults;
import com.voxanne.ssot.testkit.TestStack;

/** The test kit's broker and database as the suite's {@link StackFaults}. */
public final class TestStackFaults implements StackFaults {
    private final TestStack stack;

    public TestStackFaults(TestStack stack) {
        this.stack = stack;
    }

    @Override
    public void restartKafka() {
        stack.restartKafka();
    }

    @Override
    public void stopPostgres() {
        stack.stopPostgres();
    }

    @Override
    public void startPostgres() {
        stack.startPostgres();
    }

    @Override
    public void stopSchemaRegistry() {
        stack.stopSchemaRegistry();
    }

    @Override
    public void startSchemaRegistry() {
        stack.startSchemaRegistry();
    }

    @Override
    public String schemaRegistryUrl() {
        return stack.schemaRegistryUrl();
    }
}
