package com.voxanne.ssot.provisioner.saga;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {
    private static final String ORG = "46cf2995-2bee-44e3-838b-24151486fe4e";
    private final RequestValidator validator = new RequestValidator();

    private static ProvisionNumberRequest.Builder request() {
        return ProvisionNumberRequest.newBuilder()
                .setEventId("e-1")
                .setRequestId("req-1")
                .setOrgId(ORG)
                .setCountryCode("US")
                .setAreaCode("415")
                .setFriendlyName("Front desk")
                .setRequestedAt(Instant.parse("2026-02-11T10:00:00Z"));
    }

    @Test
    void shouldAcceptWellFormedRequestForKnownOrg() {
        // when
        RequestValidator.Verdict v = validator.validate(request().build(), Set.of(ORG)::contains);

        // then
        assertThat(v.valid()).isTrue();
        assertThat(v.countryCode()).isEqualTo("US");
        assertThat(v.areaCode()).isEqualTo("415");
    }

    @Test
    void shouldDefaultToUsAndCanonicaliseOrgIdWhenCountryBlankAndOrgUpperCase() {
        // given
        ProvisionNumberRequest r = request().setCountryCode(" ").setAreaCode(null).setOrgId(ORG.toUpperCase()).build();

        // when
        RequestValidator.Verdict v = validator.validate(r, Set.of(ORG)::contains);

        // then
        assertThat(v.valid()).isTrue();
        assertThat(v.countryCode()).isEqualTo("US");
        assertThat(v.orgId()).isEqualTo(ORG);
        assertThat(v.areaCode()).isNull();
    }

    @Test
    void shouldNameEveryProblemWhenRequestIsBadInSeveralWays() {
        // given
        ProvisionNumberRequest r = request().setOrgId("not-a-uuid").setAreaCode("41").setRequestedAt(Instant.EPOCH).build();

        // when
        RequestValidator.Verdict v = validator.validate(r, id -> true);

        // then
        assertThat(v.valid()).isFalse();
        assertThat(v.rejection()).hasValueSatisfying(reason -> assertThat(reason)
                .contains("orgId 'not-a-uuid' is not a UUID")
                .contains("areaCode '41' is not a valid US area code")
                .contains("requestedAt is missing"));
    }

    @Test
    void shouldRejectUnknownOrganisation() {
        assertThat(validator.validate(request().build(), id -> false).rejection())
                .hasValueSatisfying(reason -> assertThat(reason).contains("organisation " + ORG + " does not exist"));
    }

    @Test
    void shouldRejectCountryTheVendorDoesNotSupportAndMalformedCountry() {
        assertThat(validator.validate(request().setCountryCode("GB").setAreaCode(null).build(), id -> true).rejection())
                .hasValueSatisfying(reason -> assertThat(reason).contains("countryCode GB is not supported"));
        assertThat(validator.validate(request().setCountryCode("USA").build(), id -> true).rejection())
                .hasValueSatisfying(reason -> assertThat(reason).contains("not an ISO-3166 alpha-2 code"));
    }

    @Test
    void shouldRejectAreaCodeStartingWithZeroOrOneAndTooLongFriendlyName() {
        assertThat(validator.validate(request().setAreaCode("115").build(), id -> true).valid()).isFalse();
        assertThat(validator.validate(request().setFriendlyName("x".repeat(65)).build(), id -> true).rejection())
                .hasValueSatisfying(reason -> assertThat(reason).contains("friendlyName is longer than 64"));
    }

    @Test
    void shouldNotAcceptBlankRequestIdAsUsable() {
        assertThat(RequestValidator.hasUsableRequestId(request().setRequestId(" ").build())).isFalse();
        assertThat(RequestValidator.hasUsableRequestId(request().build())).isTrue();
    }
}
