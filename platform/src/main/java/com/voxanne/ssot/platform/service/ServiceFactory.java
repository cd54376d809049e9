package com.voxanne.ssot.platform.service;

/**
 * How every service is built: {@code XService.create(ServiceContext)} reads the service's typed settings from the
 * context and builds its collaborators by hand; nothing runs until {@link ManagedService#start()}. A service that has
 * test seams (a listener, a decorated {@code DataSource}) offers a second {@code create(context, seams)} and nothing
 * else. Whoever runs services (the pipeline, a harness) holds them as factories, so one part can be replaced by another
 * instance, or by one built with seams, without re-assembling the rest.
 */
@FunctionalInterface
public interface ServiceFactory {
    ManagedService create(ServiceContext context);
}
