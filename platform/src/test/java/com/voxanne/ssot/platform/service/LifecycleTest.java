package com.voxanne.ssot.platform.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LifecycleTest {
    @Test
    void shouldStartOnceAndCloseOnce() {
        Lifecycle lifecycle = new Lifecycle("svc");

        lifecycle.beginStart();
        lifecycle.running();

        assertThat(lifecycle.isRunning()).isTrue();
        assertThatThrownBy(lifecycle::beginStart).isInstanceOf(IllegalStateException.class)
                .hasMessage("svc cannot start: it is RUNNING (a service starts once)");
        assertThat(lifecycle.beginClose()).isTrue();
        assertThat(lifecycle.beginClose()).isFalse();
        assertThat(lifecycle.isClosed()).isTrue();
    }

    @Test
    void shouldStayClosedWhenClosedWhileStarting() {
        Lifecycle lifecycle = new Lifecycle("svc");
        lifecycle.beginStart();

        assertThat(lifecycle.beginClose()).isTrue();
        lifecycle.running();

        assertThat(lifecycle.state()).isEqualTo(Lifecycle.State.CLOSED);
        assertThatThrownBy(lifecycle::beginStart).isInstanceOf(IllegalStateException.class);
    }
}
