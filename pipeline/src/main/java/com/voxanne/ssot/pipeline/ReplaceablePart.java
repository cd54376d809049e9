package com.voxanne.ssot.pipeline;

import com.voxanne.ssot.platform.http.ComponentHealth;
import com.voxanne.ssot.platform.http.HealthRegistry;
import com.voxanne.ssot.platform.service.ManagedService;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.platform.service.ServiceFactory;
import java.util.Objects;
import java.util.Optional;

/**
 * One part of a running {@link Pipeline}: the instance running now and the factory its successor comes from. The
 * health is registered once, under the first instance's name, and follows whichever instance runs, so a status page or
 * a health wait never sees the part vanish while it is replaced.
 */
final class ReplaceablePart implements AutoCloseable {
    private final ServiceFactory factory;
    private final ServiceContext context;
    private volatile ManagedService current;
    private volatile String name;

    ReplaceablePart(ServiceFactory factory, ServiceContext context) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.context = Objects.requireNonNull(context, "context");
    }

    /** Starts the first instance, then registers the part's health under its name. */
    synchronized void start(HealthRegistry health) throws Exception {
        ManagedService first = startNew();
        name = first.name();
        health.register(name, this::health);
    }

    /** Closes the running instance, runs {@code whileStopped}, and starts a new one from the factory. */
    synchronized void replace(Pipeline.WhileStopped whileStopped) throws Exception {
        ManagedService stopped = current;
        current = null;
        if (stopped != null) {
            stopped.close();
        }
        whileStopped.run();
        startNew();
    }

    // the new instance is current before it starts: one that fails to start is still the one closed, and its health
    // tells why
    private ManagedService startNew() throws Exception {
        ManagedService next = factory.create(context);
        current = next;
        next.start();
        return next;
    }

    Optional<ManagedService> current() {
        return Optional.ofNullable(current);
    }

    Optional<String> registeredName() {
        return Optional.ofNullable(name);
    }

    ComponentHealth health() {
        ManagedService now = current;
        return now == null ? ComponentHealth.down("being replaced") : now.health();
    }

    @Override
    public synchronized void close() {
        ManagedService now = current;
        if (now != null) {
            now.close();
        }
    }
}
