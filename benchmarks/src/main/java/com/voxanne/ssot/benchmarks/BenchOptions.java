package com.voxanne.ssot.benchmarks;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How {@code ./ssot bench} runs.
 *
 * @param quick     tiny sizes and one run: proves the harness works end to end in well under a minute (CI); its
 *                  figures mean nothing
 * @param outputDir where BENCHMARKS.md and benchmarks.json are written
 * @param runs      how many times each figure is measured (median and min-max are reported); 3 or more for real
 *                  figures
 */
public record BenchOptions(boolean quick, Path outputDir, int runs) {

    public BenchOptions {
        Objects.requireNonNull(outputDir, "outputDir");
        if (runs < 1 || runs > 20) {
            throw new IllegalArgumentException("runs must be 1..20, was " + runs);
        }
    }

    /** The full suite, three runs, written to {@code outputDir}. */
    public static BenchOptions full(Path outputDir) {
        return new BenchOptions(false, outputDir, 3);
    }

    /** The CI setting: one quick run. */
    public static BenchOptions quick(Path outputDir) {
        return new BenchOptions(true, outputDir, 1);
    }
}
