package com.voxanne.ssot.faults.system;

import com.voxanne.ssot.platform.service.ManagedService;
import com.voxanne.ssot.platform.service.ServiceContext;
import com.voxanne.ssot.projector.ProjectorService;
import javax.sql.DataSource;

/**
 * Builds the service that consumes the NumberProvisioned log and writes the SSOT. The suite runs the real projector;
 * a test can put a deliberately broken one in its place to prove that the checker notices.
 */
@FunctionalInterface
public interface ProjectorFactory {
    /** The real {@link ProjectorService}, writing through {@code dataSource} (the suite's commit-killing wrapper). */
    ProjectorFactory REAL = ProjectorService::create;

    /**
     * @param dataSource the database to write to (not owned: the suite closes it)
     */
    ManagedService create(ServiceContext context, DataSource dataSource);
}
