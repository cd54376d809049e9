package com.voxanne.ssot.provisioner.saga;

import com.voxanne.ssot.schemas.avro.ProvisionNumberRequest;
import com.voxanne.ssot.schemas.avro.ReleaseNumberRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Step 1 of the saga: is the request well-formed and for a known organisation? Pure (the organisation lookup is
 * passed in). Every problem is named, so the REJECTED result tells the caller exactly what to fix.
 */
public final class RequestValidator {
    /** Countries the vendor integration supports, with the shape of an area code there (NANP: 3 digits, not 0/1 first). */
    public static final Map<String, Pattern> AREA_CODE_BY_COUNTRY = Map.of(
            "US", Pattern.compile("[2-9][0-9]{2}"),
            "CA", Pattern.compile("[2-9][0-9]{2}"));
    public static final String DEFAULT_COUNTRY = "US";
    private static final Pattern ISO_ALPHA_2 = Pattern.compile("[A-Z]{2}");
    private static final Pattern UUID_SHAPE = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final int MAX_REQUEST_ID = 200;
    private static final int MAX_FRIENDLY_NAME = 64;
    private static final int MAX_REASON = 500;
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");

    /**
     * The request normalised (country upper case or the default, org id in canonical lower case, blanks as null)
     * and what is wrong with it, if anything.
     */
    public record Verdict(String requestId, String orgId, String countryCode, String areaCode, String friendlyName,
                          Instant requestedAt, List<String> problems) {
        public boolean valid() {
            return problems.isEmpty();
        }

        public Optional<String> rejection() {
            return valid() ? Optional.empty() : Optional.of("invalid provisioning request: " + String.join("; ", problems));
        }
    }

    /** A release request normalised (org id canonical, reason blank as null) and what is wrong with it, if anything. */
    public record ReleaseVerdict(String requestId, String orgId, String phoneNumber, String reason, Instant requestedAt,
                                 List<String> problems) {
        public boolean valid() {
            return problems.isEmpty();
        }

        public Optional<String> rejection() {
            return valid() ? Optional.empty() : Optional.of("invalid release request: " + String.join("; ", problems));
        }
    }

    /** True when the request has an id a saga can be recorded under; without one it can only be dead-lettered. */
    public static boolean hasUsableRequestId(ProvisionNumberRequest r) {
        return isUsableRequestId(r.getRequestId());
    }

    /** {@link #hasUsableRequestId(ProvisionNumberRequest)} for a release request. */
    public static boolean hasUsableRequestId(ReleaseNumberRequest r) {
        return isUsableRequestId(r.getRequestId());
    }

    private static boolean isUsableRequestId(String id) {
        return id != null && !id.isBlank() && id.length() <= MAX_REQUEST_ID && id.chars().noneMatch(Character::isISOControl);
    }

    /** Organisation ids worth looking up (UUID-shaped), canonical. */
    public static Optional<String> canonicalOrgId(String orgId) {
        if (orgId == null || !UUID_SHAPE.matcher(orgId.trim()).matches()) {
            return Optional.empty();
        }
        return Optional.of(orgId.trim().toLowerCase(Locale.ROOT));
    }

    public Verdict validate(ProvisionNumberRequest r, Predicate<String> orgExists) {
        List<String> problems = new ArrayList<>();
        String orgId = r.getOrgId() == null ? "" : r.getOrgId().trim();
        Optional<String> canonical = canonicalOrgId(orgId);
        if (orgId.isEmpty()) {
            problems.add("orgId is missing");
        } else if (canonical.isEmpty()) {
            problems.add("orgId '" + shorten(orgId) + "' is not a UUID");
        } else if (!orgExists.test(canonical.get())) {
            problems.add("organisation " + canonical.get() + " does not exist");
        }

        String country = blankToNull(r.getCountryCode());
        country = country == null ? DEFAULT_COUNTRY : country.toUpperCase(Locale.ROOT);
        Pattern areaShape = AREA_CODE_BY_COUNTRY.get(country);
        if (!ISO_ALPHA_2.matcher(country).matches()) {
            problems.add("countryCode '" + shorten(r.getCountryCode()) + "' is not an ISO-3166 alpha-2 code");
        } else if (areaShape == null) {
            problems.add("countryCode " + country + " is not supported (supported: " + Set.copyOf(AREA_CODE_BY_COUNTRY.keySet()).stream().sorted().toList() + ")");
        }

        String areaCode = blankToNull(r.getAreaCode());
        if (areaCode != null && areaShape != null && !areaShape.matcher(areaCode).matches()) {
            problems.add("areaCode '" + shorten(areaCode) + "' is not a valid " + country + " area code (3 digits, the first 2-9)");
        }

        String friendlyName = blankToNull(r.getFriendlyName());
        if (friendlyName != null && friendlyName.length() > MAX_FRIENDLY_NAME) {
            problems.add("friendlyName is longer than " + MAX_FRIENDLY_NAME + " characters");
        }

        Instant requestedAt = r.getRequestedAt();
        if (requestedAt == null || requestedAt.toEpochMilli() <= 0) {
            problems.add("requestedAt is missing");
            requestedAt = null;
        }
        if (!hasUsableRequestId(r)) {
            problems.add("requestId is missing, longer than " + MAX_REQUEST_ID + " characters or has control characters");
        }
        return new Verdict(r.getRequestId(), canonical.orElse(orgId), country, areaCode, friendlyName, requestedAt, List.copyOf(problems));
    }

    /**
     * The shape of a release request: a known org, an E.164 number, a reason of reasonable length. Whether the number
     * is an active managed number of that org is the saga's first step (it must wait for an unfinished provision).
     */
    public ReleaseVerdict validateRelease(ReleaseNumberRequest r, Predicate<String> orgExists) {
        List<String> problems = new ArrayList<>();
        String orgId = r.getOrgId() == null ? "" : r.getOrgId().trim();
        Optional<String> canonical = checkOrg(orgId, orgExists, problems);
        String phone = blankToNull(r.getPhoneNumber());
        if (phone == null) {
            problems.add("phoneNumber is missing");
        } else if (!E164.matcher(phone).matches()) {
            problems.add("phoneNumber '" + shorten(phone) + "' is not an E.164 number (+ and 7 to 15 digits)");
            phone = null; // kept out of the saga row, whose column accepts only E.164
        }
        String reason = blankToNull(r.getReason());
        if (reason != null && reason.length() > MAX_REASON) {
            problems.add("reason is longer than " + MAX_REASON + " characters");
        }
        Instant requestedAt = r.getRequestedAt();
        if (requestedAt == null || requestedAt.toEpochMilli() <= 0) {
            problems.add("requestedAt is missing");
            requestedAt = null;
        }
        if (!hasUsableRequestId(r)) {
            problems.add("requestId is missing, longer than " + MAX_REQUEST_ID + " characters or has control characters");
        }
        return new ReleaseVerdict(r.getRequestId(), canonical.orElse(orgId), phone, reason, requestedAt, List.copyOf(problems));
    }

    private static Optional<String> checkOrg(String orgId, Predicate<String> orgExists, List<String> problems) {
        Optional<String> canonical = canonicalOrgId(orgId);
        if (orgId.isEmpty()) {
            problems.add("orgId is missing");
        } else if (canonical.isEmpty()) {
            problems.add("orgId '" + shorten(orgId) + "' is not a UUID");
        } else if (!orgExists.test(canonical.get())) {
            problems.add("organisation " + canonical.get() + " does not exist");
        }
        return canonical;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static String shorten(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
