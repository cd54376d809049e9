package com.voxanne.ssot.platform.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.platform.http.ComponentHealth;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceWithResourceTest {
    private final List<String> events = new ArrayList<>();

    private final ManagedService service = new ManagedService() {
        @Override
        public String name() {
            return "projector";
        }

        @Override
        public void start() {
            events.add("start the service");
        }

        @Override
        public ComponentHealth health() {
            return ComponentHealth.degraded("catching up");
        }

        @Override
        public void close() {
            events.add("close the service");
        }
    };

    @Test
    void shouldCloseTheResourceAfterTheServiceItServes() throws Exception {
        // given: a service built on a pool that only it uses
        ManagedService owning = ServiceWithResource.of(service, "close the pool", () -> events.add("close the pool"));

        // when: it starts and closes
        owning.start();
        owning.close();

        // then: it is the same service to its runner, and the pool closes only once the service stopped using it
        assertThat(owning.name()).isEqualTo("projector");
        assertThat(owning.health().status()).isEqualTo(ComponentHealth.Status.DEGRADED);
        assertThat(events).containsExactly("start the service", "close the service", "close the pool");
    }
}
