package com.voxanne.ssot.provisioner.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.provisioner.ProviderClients;
import com.voxanne.ssot.provisioner.audit.InventoryAudit;
import com.voxanne.ssot.provisioner.audit.InventoryReport;
import com.voxanne.ssot.provisioner.twilio.NumberVendor;
import com.voxanne.ssot.provisioner.twilio.OwnedNumber;
import com.voxanne.ssot.provisioner.vapi.VoiceAgentDirectory;
import com.voxanne.ssot.schemas.avro.ProvisioningStatus;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Twilio <-> Vapi <-> database diff behind {@code ./ssot audit}, against the simulated providers over HTTP. */
class InventoryAuditTest {

    @Test
    void shouldReportPaidNumbersAndImportsWithoutRowUntilTheyAreCleanedUp() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("audit", Map.of())) {
            // given: one number provisioned properly, one bought by hand, one bought and imported by hand
            String org = h.createOrg("Audited Clinic");
            h.startFromConfig();
            assertThat(h.awaitResult(h.publish(org, "415")).getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
            NumberVendor vendor = h.providers.vendor(ProvisionerHarness.HTTP_TIMEOUT);
            VoiceAgentDirectory directory = h.providers.directory(ProvisionerHarness.HTTP_TIMEOUT);
            OwnedNumber orphan = vendor.buy("+13125550100", Optional.empty());
            OwnedNumber imported = vendor.buy("+13125550101", Optional.empty());
            String importId = directory.importNumber(imported.phoneNumber(), "by hand").id();
            ProviderClients clients = ProviderClients.from(h.context().source());
            InventoryAudit audit = new InventoryAudit(h.db.dataSource(), clients.vendor(), clients.directory());

            // when
            InventoryReport report = audit.run();

            // then
            assertThat(report.clean()).isFalse();
            assertThat(report.twilioOwned()).isEqualTo(3);
            assertThat(report.managedActive()).isEqualTo(1);
            assertThat(report.paidButUnrecorded()).extracting(OwnedNumber::phoneNumber)
                    .containsExactlyInAnyOrder(orphan.phoneNumber(), imported.phoneNumber());
            assertThat(report.importedWithoutRow()).extracting(i -> i.number()).containsExactly(imported.phoneNumber());
            assertThat(report.rowsNotOwnedInTwilio()).isEmpty();
            assertThat(report.render()).contains("Paid in Twilio, no managed row (orphans): 2").contains("NOT consistent");

            // when the orphans are released
            directory.delete(importId);
            vendor.release(orphan.sid());
            vendor.release(imported.sid());

            // then
            InventoryReport after = audit.run();
            assertThat(after.clean()).isTrue();
            assertThat(after.render()).contains("Inventory is consistent.");
        }
    }

    @Test
    void shouldListReleasedNumbersThatTwilioOrVapiStillHold() throws Exception {
        try (ProvisionerHarness h = new ProvisionerHarness("inventory_released", Map.of())) {
            // given a number provisioned, released by the saga, then put back by hand in both providers
            String org = h.createOrg("Released Inventory");
            h.startFromConfig();
            String phone = h.awaitResult(h.publish(org, "415")).getPhoneNumber();
            assertThat(h.awaitResult(h.publishRelease(org, phone)).getStatus()).isEqualTo(ProvisioningStatus.SUCCEEDED);
            ProviderClients clients = ProviderClients.from(h.context().source());
            InventoryAudit audit = new InventoryAudit(h.db.dataSource(), clients.vendor(), clients.directory());
            assertThat(audit.run().clean()).isTrue();
            NumberVendor vendor = h.providers.vendor(ProvisionerHarness.HTTP_TIMEOUT);
            VoiceAgentDirectory directory = h.providers.directory(ProvisionerHarness.HTTP_TIMEOUT);
            vendor.buy(phone, Optional.empty());
            directory.importNumber(phone, "by hand");

            // when
            InventoryReport report = audit.run();

            // then the released row is named in both lists
            assertThat(report.clean()).isFalse();
            assertThat(report.releasedStillOwnedInTwilio()).extracting(InventoryAudit.ManagedRow::phoneNumber).containsExactly(phone);
            assertThat(report.releasedStillImportedInVapi()).extracting(InventoryAudit.ManagedRow::phoneNumber).containsExactly(phone);
            assertThat(report.render()).contains("Released, still owned in Twilio (paid for nothing): 1")
                    .contains("Released, still imported in Vapi (answering a number we gave back): 1");
        }
    }
}
