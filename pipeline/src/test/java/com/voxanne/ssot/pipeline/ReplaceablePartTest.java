package com.voxanne.ssot.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.service.ManagedService;
import com.voxanne.ssot.platform.service.ServiceContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReplaceablePartTest {
    // the factories below build from nothing, so no broker or database is needed
    private static final ServiceContext NO_CONTEXT = new ServiceContext(null, null, null, null, null, null, null);

    private final List<String> events = new ArrayList<>();
    private final AtomicInteger instances = new AtomicInteger();
    private final HealthRegistry health = new HealthRegistry();

    private class FakeService implements ManagedService {
        private final String id = "instance-" + instances.incrementAndGet();
        private volatile boolean running;

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public void start() {
            events.add("start " + id);
            running = true;
        }

        @Override
        public ComponentHealth health() {
            return running ? ComponentHealth.up() : ComponentHealth.down("stopped");
        }

        @Override
        public void close() {
            events.add("close " + id);
            running = false;
        }
    }

    @Test
    void shouldCloseTheRunningInstanceThenRunTheStepThenStartANewOne() throws Exception {
        // given: a running part
        ReplaceablePart part = new ReplaceablePart(context -> new FakeService(), NO_CONTEXT);
        part.start(health);
        ManagedService first = part.current().orElseThrow();

        // when: it is replaced
        part.replace(() -> events.add("while stopped"));

        // then: the old instance is closed before the step, the new one starts after it and is the current one
        assertThat(events).containsExactly("start instance-1", "close instance-1", "while stopped", "start instance-2");
        assertThat(part.current()).isPresent().get().isNotSameAs(first);
        assertThat(health.snapshot()).containsOnlyKeys("fake");
        assertThat(health.snapshot().get("fake").status()).isEqualTo(ComponentHealth.Status.UP);
    }

    @Test
    void shouldReportBeingReplacedWhileNoInstanceRuns() throws Exception {
        // given: a running part, its health registered under the service's name
        ReplaceablePart part = new ReplaceablePart(context -> new FakeService(), NO_CONTEXT);
        part.start(health);
        List<ComponentHealth> seenWhileStopped = new ArrayList<>();

        // when: the health is read while the part is stopped for replacement
        part.replace(() -> seenWhileStopped.add(health.snapshot().get("fake")));

        // then: it was DOWN "being replaced", not missing and not the closed instance's
        assertThat(seenWhileStopped).singleElement().satisfies(h -> {
            assertThat(h.status()).isEqualTo(ComponentHealth.Status.DOWN);
            assertThat(h.details().toString()).contains("being replaced");
        });
        assertThat(part.current()).isPresent();
    }

    @Test
    void shouldCloseAnInstanceThatFailedToStart() throws Exception {
        // given: a factory whose second instance fails to start
        ReplaceablePart part = new ReplaceablePart(context -> instances.get() == 0 ? new FakeService() : new FakeService() {
            @Override
            public void start() {
                throw new IllegalStateException("cannot start");
            }
        }, NO_CONTEXT);
        part.start(health);

        // when: the replacement fails to start, and the part is closed
        try {
            part.replace(() -> { });
        } catch (IllegalStateException expected) {
            events.add("failed: " + expected.getMessage());
        }
        part.close();

        // then: the failed instance is the current one, and closing the part closed it
        assertThat(events).containsExactly("start instance-1", "close instance-1", "failed: cannot start", "close instance-2");
    }
}
