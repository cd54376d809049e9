package com.voxanne.ssot.provisioner.twilio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.platform.config.Secret;
import com.voxanne.ssot.provisioner.ProviderException;
import com.voxanne.ssot.provisioner.sim.FakeTwilioServer;
import com.voxanne.ssot.provisioner.sim.FakeTwilioServer.Operation;
import com.voxanne.ssot.provisioner.sim.Fault;
import com.voxanne.ssot.provisioner.sim.SimulatedProviders;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** twilio-java 13 over real HTTP against the simulated Twilio: wire format, no silent retries, error classification. */
class TwilioNumberVendorTest {
    private SimulatedProviders providers;
    private FakeTwilioServer twilio;
    private NumberVendor vendor;

    @BeforeEach
    void start() {
        providers = SimulatedProviders.start();
        twilio = providers.twilio();
        vendor = providers.vendor(Duration.ofMillis(800));
    }

    @AfterEach
    void stop() {
        providers.close();
    }

    @Test
    void shouldSearchBuyReadBackAndReleaseExactNumberThroughTwilioJava() throws Exception {
        // when
        List<String> available = vendor.search("US", Optional.of("212"), 5);
        OwnedNumber bought = vendor.buy(available.get(0), Optional.of("Front desk"));

        // then
        assertThat(available).hasSize(5).allMatch(n -> n.startsWith("+1212"));
        assertThat(bought.phoneNumber()).isEqualTo(available.get(0));
        assertThat(bought.sid()).matches("PN[0-9a-f]{32}");
        assertThat(vendor.findOwned(available.get(0))).contains(bought);
        assertThat(vendor.findOwned(available.get(1))).isEmpty();
        assertThat(vendor.search("US", Optional.of("212"), 5)).doesNotContain(available.get(0));
        assertThat(vendor.listOwned()).containsExactly(bought);

        assertThat(vendor.release(bought.sid())).isTrue();
        assertThat(vendor.release(bought.sid())).isFalse();
        assertThat(twilio.ownedNumbers()).isEmpty();
    }

    @Test
    void shouldSendPurchaseExactlyOnceWhenTwilioAnswers500() {
        // given
        twilio.faults().failNext(Operation.PURCHASE, Fault.status(500), 3);

        // when / then
        assertThatThrownBy(() -> vendor.buy("+14155550100", Optional.empty()))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ProviderException.Kind.AMBIGUOUS);
                    assertThat(e.httpStatus()).hasValue(500);
                });
        assertThat(twilio.faults().calls(Operation.PURCHASE)).isEqualTo(1);
        assertThat(twilio.purchases()).isZero();
    }

    @Test
    void shouldReportAmbiguousFailureWhenPurchaseTimesOutAfterItHappened() throws Exception {
        // given
        twilio.faults().failNext(Operation.PURCHASE, Fault.timeoutAfterCommit(Duration.ofSeconds(2)));

        // when / then
        assertThatThrownBy(() -> vendor.buy("+14155550101", Optional.empty()))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.kind()).isEqualTo(ProviderException.Kind.AMBIGUOUS));
        assertThat(vendor.findOwned("+14155550101")).isPresent();
        assertThat(twilio.purchases()).isEqualTo(1);
    }

    @Test
    void shouldReportPermanentFailureWhenNumberIsNotAvailable() throws Exception {
        // given
        vendor.buy("+14155550102", Optional.empty());

        // when / then
        assertThatThrownBy(() -> vendor.buy("+14155550102", Optional.empty()))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ProviderException.Kind.PERMANENT);
                    assertThat(e.httpStatus()).hasValue(400);
                    assertThat(e.getMessage()).contains("21422");
                });
    }

    @Test
    void shouldReportConfigurationFailureWithoutLeakingTokenWhenCredentialsAreWrong() {
        // given
        NumberVendor wrong = new TwilioNumberVendor(twilio.accountSid(), Secret.of("wrong-token-value"), URI.create(twilio.baseUrl()),
                Duration.ofSeconds(1));

        // when / then
        assertThatThrownBy(() -> wrong.search("US", Optional.empty(), 1))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    // our configuration, not the request's fault (issue 14): the saga waits behind the circuit
                    assertThat(e.kind()).isEqualTo(ProviderException.Kind.CONFIGURATION);
                    assertThat(e.httpStatus()).hasValue(401);
                    assertThat(e.getMessage()).doesNotContain("wrong-token-value");
                });
    }

    @Test
    void shouldFindNothingForSaleWhenAreaCodeIsSoldOut() throws Exception {
        // given
        twilio.soldOut("307");

        // when / then
        assertThat(vendor.search("US", Optional.of("307"), 5)).isEmpty();
    }
}
