package com.voxanne.ssot.platform.service;

import com.voxanne.ssot.platform.http.ComponentHealth;
import java.util.Objects;

/**
 * A service together with a resource its factory opened for that instance alone and the service does not own (a
 * harness's pool under a wrapping {@code DataSource}, say): closing the service closes the resource after it, so a
 * replaced instance takes its resource with it.
 */
public final class ServiceWithResource implements ManagedService {
    private final ManagedService service;
    private final Closer closer;

    private ServiceWithResource(ManagedService service, String what, AutoCloseable resource) {
        this.service = service;
        this.closer = new Closer(service.name());
        closer.register(what, resource);
        closer.register("close the service", service);
    }

    /** @param what the resource, for the shutdown log ("close the projector's pool") */
    public static ManagedService of(ManagedService service, String what, AutoCloseable resource) {
        return new ServiceWithResource(Objects.requireNonNull(service, "service"), what, resource);
    }

    @Override
    public String name() {
        return service.name();
    }

    @Override
    public void start() throws Exception {
        service.start();
    }

    @Override
    public ComponentHealth health() {
        return service.health();
    }

    @Override
    public void close() {
        closer.close();
    }

    @Override
    public String toString() {
        return service.toString();
    }
}
