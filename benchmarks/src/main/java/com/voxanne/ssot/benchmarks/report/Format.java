package com.voxanne.ssot.benchmarks.report;

import java.util.Locale;

/** How numbers read in the report: thousands separated, latencies with one decimal, ratios as "0.83x". */
public final class Format {
    public static final String RATIO = "x";
    public static final String MS = "ms";
    public static final String SECONDS = "s";
    public static final String PER_SECOND = "/s";
    public static final String MB = "MB";

    private Format() {
    }

    public static String value(double v, String unit) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        return switch (unit) {
            case RATIO -> String.format(Locale.ROOT, "%.2fx", v);
            case MS -> String.format(Locale.ROOT, "%,.1f ms", v);
            case SECONDS -> String.format(Locale.ROOT, "%.1f s", v);
            case MB -> String.format(Locale.ROOT, "%,.0f MB", v);
            default -> (Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%,.1f", v))
                    + (unit.isEmpty() ? "" : " " + unit);
        };
    }

    public static String number(double v) {
        return value(v, "");
    }
}
