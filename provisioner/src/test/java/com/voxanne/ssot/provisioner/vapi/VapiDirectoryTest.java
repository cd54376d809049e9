package com.voxanne.ssot.provisioner.vapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.ssot.provisioner.ProviderException;
import com.voxanne.ssot.provisioner.sim.FakeVapiServer;
import com.voxanne.ssot.provisioner.sim.FakeVapiServer.Operation;
import com.voxanne.ssot.provisioner.sim.Fault;
import com.voxanne.ssot.provisioner.sim.SimulatedProviders;
import com.voxanne.ssot.provisioner.twilio.NumberVendor;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Vapi client over real HTTP against the simulated Vapi. */
class VapiDirectoryTest {
    private SimulatedProviders providers;
    private FakeVapiServer vapi;
    private VoiceAgentDirectory directory;
    private NumberVendor vendor;

    @BeforeEach
    void start() {
        providers = SimulatedProviders.start();
        vapi = providers.vapi();
        directory = providers.directory(Duration.ofMillis(800));
        vendor = providers.vendor(Duration.ofMillis(800));
    }

    @AfterEach
    void stop() {
        providers.close();
    }

    @Test
    void shouldImportFindAndDeleteBoughtNumber() throws Exception {
        // given
        String number = vendor.buy("+14155550110", Optional.empty()).phoneNumber();

        // when
        ImportedNumber imported = directory.importNumber(number, "Front desk");

        // then
        assertThat(imported.hasId()).isTrue();
        assertThat(imported.number()).isEqualTo(number);
        assertThat(directory.findByNumber(number)).contains(imported);
        assertThat(directory.findByNumber("+14155550111")).isEmpty();
        assertThat(directory.listAll()).containsExactly(imported);
        assertThat(directory.delete(imported.id())).isTrue();
        assertThat(directory.delete(imported.id())).isFalse();
        assertThat(vapi.importedNumbers()).isEmpty();
    }

    @Test
    void shouldRefuseImportOfNumberTheTwilioAccountDoesNotOwn() {
        assertThatThrownBy(() -> directory.importNumber("+14155550112", "x"))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ProviderException.Kind.PERMANENT);
                    assertThat(e.getMessage()).contains("not owned");
                    assertThat(e.getMessage()).doesNotContain(providers.twilioCredentials().authToken().reveal());
                });
    }

    @Test
    void shouldReturnBlankIdButKeepImportWhenVapiAnswersWithoutId() throws Exception {
        // given
        String number = vendor.buy("+14155550113", Optional.empty()).phoneNumber();
        vapi.faults().failNext(Operation.IMPORT, Fault.blankId());

        // when
        ImportedNumber imported = directory.importNumber(number, "x");

        // then
        assertThat(imported.hasId()).isFalse();
        assertThat(directory.findByNumber(number)).hasValueSatisfying(n -> assertThat(n.hasId()).isTrue());
    }

    @Test
    void shouldReportAmbiguousFailureWhenImportAnswers500AfterItHappened() throws Exception {
        // given
        String number = vendor.buy("+14155550114", Optional.empty()).phoneNumber();
        vapi.faults().failNext(Operation.IMPORT, Fault.errorAfterCommit(502));

        // when / then
        assertThatThrownBy(() -> directory.importNumber(number, "x"))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.kind()).isEqualTo(ProviderException.Kind.AMBIGUOUS));
        assertThat(directory.findByNumber(number)).isPresent();
        assertThat(vapi.imports()).isEqualTo(1);
    }

    @Test
    void shouldReportAmbiguousFailureWhenVapiDoesNotAnswerInTime() {
        // given
        vapi.faults().failNext(Operation.LIST, Fault.timeout(Duration.ofSeconds(2)));

        // when / then
        assertThatThrownBy(() -> directory.findByNumber("+14155550115"))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ProviderException.Kind.AMBIGUOUS);
                    assertThat(e.httpStatus()).isEmpty();
                });
    }
}
