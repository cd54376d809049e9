package com.voxanne.ssot.reconciler.audit;

/** One line of the seed's compliance table: the check, PASS or FAIL, and what was found. */
public record CheckResult(String check, boolean pass, String details) {
    public static final String MANAGED_NUMBER_EXISTS = "Managed number exists";
    public static final String SSOT_RECORD_EXISTS = "SSOT record exists";
    public static final String IS_MANAGED_SET = "is_managed flag set";
    public static final String VAPI_ID_PRESENT = "vapiPhoneId present";
    public static final String VAPI_ID_MATCHES = "vapiPhoneId matches";
    public static final String DROPDOWN_VISIBLE = "Dropdown visibility";

    static CheckResult pass(String check, String details) {
        return new CheckResult(check, true, details);
    }

    static CheckResult fail(String check, String details) {
        return new CheckResult(check, false, details);
    }
}
