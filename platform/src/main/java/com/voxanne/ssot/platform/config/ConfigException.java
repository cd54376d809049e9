package com.voxanne.ssot.platform.config;

/** Configuration that cannot be used, with the name of the setting and what was wrong with it. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
