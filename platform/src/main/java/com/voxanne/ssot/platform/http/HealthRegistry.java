package com.voxanne.ssot.platform.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** The components of this process and how each is doing. Thread-safe; checks must be cheap. */
public final class HealthRegistry {
    private final Map<String, Supplier<ComponentHealth>> checks = new ConcurrentHashMap<>();

    public void register(String component, Supplier<ComponentHealth> check) {
        checks.put(component, check);
    }

    public void unregister(String component) {
        checks.remove(component);
    }

    /** Every component's health, in name order. A check that throws reports DOWN with its error. */
    public Map<String, ComponentHealth> snapshot() {
        Map<String, ComponentHealth> out = new LinkedHashMap<>();
        checks.keySet().stream().sorted().forEach(name -> {
            ComponentHealth h;
            try {
                h = checks.get(name).get();
            } catch (RuntimeException e) {
                h = ComponentHealth.down(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            out.put(name, h);
        });
        return out;
    }

    /** DOWN if any component is down, DEGRADED if any is degraded, else UP (also UP when empty). */
    public static ComponentHealth.Status overall(Map<String, ComponentHealth> snapshot) {
        ComponentHealth.Status worst = ComponentHealth.Status.UP;
        for (ComponentHealth h : snapshot.values()) {
            if (h.status().ordinal() > worst.ordinal()) {
                worst = h.status();
            }
        }
        return worst;
    }
}
