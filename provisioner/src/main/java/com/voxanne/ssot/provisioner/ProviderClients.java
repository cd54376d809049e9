package com.voxanne.ssot.provisioner;

import com.voxanne.ssot.platform.config.ConfigException;
import com.voxanne.ssot.platform.config.ConfigSource;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.platform.config.SsotConfig;
import com.voxanne.ssot.platform.config.SsotConfig.TwilioCredentials;
import com.voxanne.ssot.provisioner.twilio.NumberVendor;
import com.voxanne.ssot.provisioner.twilio.TwilioNumberVendor;
import com.voxanne.ssot.provisioner.vapi.VapiDirectory;
import com.voxanne.ssot.provisioner.vapi.VoiceAgentDirectory;
import java.net.URI;

/**
 * The real Twilio and Vapi clients (HTTP) as the configuration names them: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
 * TWILIO_BASE_URL, VAPI_API_KEY, VAPI_BASE_URL. Used by the provisioner and by {@code ./ssot audit}; with the
 * simulated providers' configuration applied they talk to the local fakes.
 */
public record ProviderClients(NumberVendor vendor, VoiceAgentDirectory directory) {

    public static ProviderClients from(ConfigSource source) {
        return from(SsotConfig.from(source), ProvisionerSettings.from(source));
    }

    public static ProviderClients from(SsotConfig config, ProvisionerSettings settings) {
        TwilioCredentials twilio = config.twilio().orElseThrow(() -> new ConfigException(
                "the provisioner needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or the simulated providers of ./ssot up)"));
        Secret vapiKey = config.vapi().apiKey().orElseThrow(() -> new ConfigException(
                "the provisioner needs VAPI_API_KEY (or the simulated providers of ./ssot up)"));
        URI vapiUrl;
        try {
            vapiUrl = URI.create(config.vapi().baseUrl());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("VAPI_BASE_URL is not a URL: " + e.getMessage());
        }
        return new ProviderClients(
                new TwilioNumberVendor(twilio.accountSid(), twilio.authToken(), settings.twilioBaseUrl(), settings.httpTimeout()),
                new VapiDirectory(vapiUrl, vapiKey, twilio, settings.httpTimeout()));
    }
}
