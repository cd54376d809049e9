package com.voxanne.ssot.provisioner.sim;

import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.platform.config.SsotConfig.TwilioCredentials;
import com.voxanne.ssot.provisioner.ProvisionerSettings;
import com.voxanne.ssot.provisioner.twilio.NumberVendor;
import com.voxanne.ssot.provisioner.twilio.TwilioNumberVendor;
import com.voxanne.ssot.provisioner.vapi.VapiDirectory;
import com.voxanne.ssot.provisioner.vapi.VoiceAgentDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated Twilio and Vapi, started together with throw-away credentials, for {@code ./ssot up}, the demo and
 * the tests. {@link #configuration()} gives the settings (environment names) that point the provisioner's real
 * HTTP clients at them, so the simulated path exercises the same twilio-java and Vapi code as production.
 */
public final class SimulatedProviders implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SimulatedProviders.class);

    private final FakeTwilioServer twilio;
    private final FakeVapiServer vapi;
    private final TwilioCredentials twilioCredentials;
    private final Secret vapiKey;
    private SimulatedInventory inventory;

    private SimulatedProviders(FakeTwilioServer twilio, FakeVapiServer vapi, TwilioCredentials twilioCredentials, Secret vapiKey) {
        this.twilio = twilio;
        this.vapi = vapi;
        this.twilioCredentials = twilioCredentials;
        this.vapiKey = vapiKey;
    }

    /**
     * Starts both with what they held when the last run on {@code inventoryFile} stopped (empty if there is none), and
     * keeps that file up to date: a restarted {@code ./ssot up} finds its numbers still owned and imported.
     */
    public static SimulatedProviders start(Path inventoryFile) {
        SimulatedProviders providers = start();
        try {
            providers.inventory = SimulatedInventory.attach(inventoryFile, providers.twilio, providers.vapi);
            return providers;
        } catch (RuntimeException e) {
            providers.close();
            throw e;
        }
    }

    /** Starts both on free loopback ports with fresh random credentials, holding nothing. */
    public static SimulatedProviders start() {
        SecureRandom random = new SecureRandom();
        byte[] sid = new byte[16];
        byte[] token = new byte[16];
        random.nextBytes(sid);
        random.nextBytes(token);
        TwilioCredentials credentials = new TwilioCredentials("AC" + HexFormat.of().formatHex(sid), Secret.of(HexFormat.of().formatHex(token)));
        Secret key = Secret.of(UUID.randomUUID().toString());
        FakeTwilioServer twilio = null;
        try {
            twilio = FakeTwilioServer.start(credentials.accountSid(), credentials.authToken());
            FakeVapiServer vapi = FakeVapiServer.start(key, credentials.accountSid(), credentials.authToken(), twilio::owns);
            SimulatedProviders providers = new SimulatedProviders(twilio, vapi, credentials, key);
            log.warn("Twilio and Vapi are SIMULATED ({}): numbers are not real", providers.describe());
            return providers;
        } catch (IOException e) {
            if (twilio != null) {
                twilio.close();
            }
            throw new UncheckedIOException("cannot start the simulated providers", e);
        }
    }

    /**
     * The settings that point the provisioner at these servers, by environment name: TWILIO_ACCOUNT_SID,
     * TWILIO_AUTH_TOKEN, TWILIO_BASE_URL, VAPI_API_KEY, VAPI_BASE_URL and SSOT_SIMULATED_PROVIDERS=true. Apply
     * them with {@code ConfigSource.withOverrides}. They hold the (throw-away) secrets: do not print them.
     */
    public Map<String, String> configuration() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("TWILIO_ACCOUNT_SID", twilioCredentials.accountSid());
        env.put("TWILIO_AUTH_TOKEN", twilioCredentials.authToken().reveal());
        env.put("TWILIO_BASE_URL", twilio.baseUrl());
        env.put("VAPI_API_KEY", vapiKey.reveal());
        env.put("VAPI_BASE_URL", vapi.baseUrl());
        env.put(ProvisionerSettings.SIMULATED_PROVIDERS, "true");
        return env;
    }

    /** Where they are, for a log line or the status page (no secret). */
    public String describe() {
        return "Twilio " + twilio.baseUrl() + ", Vapi " + vapi.baseUrl();
    }

    public FakeTwilioServer twilio() {
        return twilio;
    }

    public FakeVapiServer vapi() {
        return vapi;
    }

    public TwilioCredentials twilioCredentials() {
        return twilioCredentials;
    }

    public Secret vapiKey() {
        return vapiKey;
    }

    /** A real Twilio client (twilio-java over HTTP) pointed at the simulated Twilio. */
    public NumberVendor vendor(Duration timeout) {
        return new TwilioNumberVendor(twilioCredentials.accountSid(), twilioCredentials.authToken(), URI.create(twilio.baseUrl()), timeout);
    }

    /** A real Vapi client (HTTP) pointed at the simulated Vapi. */
    public VoiceAgentDirectory directory(Duration timeout) {
        return new VapiDirectory(URI.create(vapi.baseUrl()), vapiKey, twilioCredentials, timeout);
    }

    @Override
    public void close() {
        try {
            if (inventory != null) {
                inventory.close();
            }
        } finally {
            try {
                vapi.close();
            } finally {
                twilio.close();
            }
        }
    }
}
