package com.voxanne.ssot.provisioner.twilio;

import com.twilio.base.Page;
import com.twilio.exception.ApiConnectionException;
import com.twilio.exception.ApiException;
import com.twilio.exception.TwilioException;
import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.IncomingPhoneNumber;
import com.twilio.rest.api.v2010.account.IncomingPhoneNumberCreator;
import com.twilio.rest.api.v2010.account.availablephonenumbercountry.Local;
import com.twilio.rest.api.v2010.account.availablephonenumbercountry.LocalReader;
import com.twilio.type.PhoneNumber;
import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.provisioner.ProviderException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link NumberVendor} over twilio-java 13 ({@code AvailablePhoneNumbers}, {@code IncomingPhoneNumbers}), through
 * {@link TwilioHttpClient} so that a purchase is sent once and the base URL is configurable. SDK exceptions are
 * translated into {@link ProviderException}: a 4xx refusal is permanent, anything else is ambiguous.
 */
public final class TwilioNumberVendor implements NumberVendor {
    static final String PROVIDER = "Twilio";
    private final TwilioRestClient client;

    public TwilioNumberVendor(String accountSid, Secret authToken, URI baseUrl, Duration timeout) {
        this.client = new TwilioRestClient.Builder(accountSid, authToken.reveal())
                .httpClient(new TwilioHttpClient(baseUrl, timeout))
                .build();
    }

    @Override
    public List<String> search(String countryCode, Optional<String> areaCode, int limit) throws ProviderException {
        return call("search available numbers", () -> {
            LocalReader reader = Local.reader(countryCode).setPageSize((long) limit);
            areaCode.ifPresent(a -> reader.setAreaCode(Integer.valueOf(a)));
            Page<Local> page = reader.firstPage(client);
            List<String> numbers = new ArrayList<>();
            for (Local local : page.getRecords()) {
                if (local.getPhoneNumber() != null) {
                    numbers.add(local.getPhoneNumber().getEndpoint());
                }
            }
            return numbers;
        });
    }

    @Override
    public OwnedNumber buy(String e164, Optional<String> friendlyName) throws ProviderException {
        return onAccount("buy " + e164, () -> {
            IncomingPhoneNumberCreator creator = IncomingPhoneNumber.creator(new PhoneNumber(e164));
            friendlyName.ifPresent(creator::setFriendlyName);
            return toOwned(creator.create(client));
        });
    }

    @Override
    public Optional<OwnedNumber> findOwned(String e164) throws ProviderException {
        return onAccount("read back " + e164, () -> {
            Page<IncomingPhoneNumber> page = IncomingPhoneNumber.reader().setPhoneNumber(new PhoneNumber(e164)).firstPage(client);
            return page.getRecords().stream()
                    .map(TwilioNumberVendor::toOwned)
                    .filter(n -> e164.equals(n.phoneNumber()))
                    .findFirst();
        });
    }

    @Override
    public boolean release(String sid) throws ProviderException {
        try {
            return call("release " + sid, () -> IncomingPhoneNumber.deleter(sid).delete(client));
        } catch (ProviderException e) {
            if (e.httpStatus().orElse(0) == 404) {
                // already released (compensation is idempotent), unless the whole API is missing: a wrong base URL
                // answers 404 too, and taking that for "released" would leave the number paid for; the probe tells
                probe();
                return false;
            }
            throw e;
        }
    }

    @Override
    public List<OwnedNumber> listOwned() throws ProviderException {
        return onAccount("list owned numbers", () -> {
            List<OwnedNumber> owned = new ArrayList<>();
            for (IncomingPhoneNumber n : IncomingPhoneNumber.reader().setPageSize(1000L).read(client)) {
                owned.add(toOwned(n));
            }
            return owned;
        });
    }

    /** One page of one owned number: the account and its token work, and the base URL is Twilio's. */
    @Override
    public void probe() throws ProviderException {
        onAccount("probe the account", () -> IncomingPhoneNumber.reader().setPageSize(1L).firstPage(client));
    }

    /**
     * A call on the account's IncomingPhoneNumbers collection, which always exists: a 404 there means the base URL
     * (or the account SID) is wrong, our configuration, not this request.
     */
    private static <T> T onAccount(String operation, SdkCall<T> call) throws ProviderException {
        try {
            return call(operation, call);
        } catch (ProviderException e) {
            if (e.httpStatus().orElse(0) == 404) {
                throw e.asConfiguration("the account's number collection is not found: check TWILIO_BASE_URL and TWILIO_ACCOUNT_SID");
            }
            throw e;
        }
    }

    private static OwnedNumber toOwned(IncomingPhoneNumber n) {
        return new OwnedNumber(n.getSid(), n.getPhoneNumber() == null ? null : n.getPhoneNumber().getEndpoint(), n.getFriendlyName());
    }

    private interface SdkCall<T> {
        T run();
    }

    private static <T> T call(String operation, SdkCall<T> call) throws ProviderException {
        TwilioHttpClient.takeRetryAfter(); // forget a header left by an earlier call on this thread
        try {
            return call.run();
        } catch (ApiException e) {
            Integer status = e.getStatusCode();
            String message = e.getMessage() + (e.getCode() == null ? "" : " (Twilio error " + e.getCode() + ")");
            if (status == null) {
                throw ProviderException.ambiguous(PROVIDER, operation, 0, message, e);
            }
            throw ProviderException.fromStatus(PROVIDER, operation, status, e.getCode() == null ? 0 : e.getCode(), message)
                    .withRetryAfter(ProviderException.parseRetryAfter(TwilioHttpClient.takeRetryAfter(), java.time.Instant.now())
                            .orElse(null));
        } catch (ApiConnectionException e) {
            throw ProviderException.ambiguous(PROVIDER, operation, 0, e.getMessage(), e);
        } catch (TwilioException | IllegalArgumentException | IllegalStateException e) {
            // an answer the SDK could not read: whether a write happened is unknown
            throw ProviderException.ambiguous(PROVIDER, operation, 0, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
