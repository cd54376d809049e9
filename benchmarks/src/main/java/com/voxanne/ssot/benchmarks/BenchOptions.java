package com.voxanne.ssot.benchmarks;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How {@code ./ssot bench} runs.
 *
 * @param quick     tiny sizes and one run: proves the harness works end to end in well under a minute (CI); its
 *                  figures mean nothing
 * @param outputDir where BENCHMARKS.md and benchmarks.json are written
 * @param runs      how many times each figure is measured (median and min-max are reported); 3 or more for real
 *                  figures
 * @param stages    the stages to measure (all of them for the report that is checked in; one or two while working on
 *                  a stage, written to another directory)
 */
public record BenchOptions(boolean quick, Path outputDir, int runs, Set<Stage> stages) {

    /** The measured stages, by the section they fill. */
    public enum Stage {
        BACKFILL, PROVISIONING, RECONCILER, RELAY, FOOTPRINT, CLUSTER, SCALE;

        /** {@code backfill}, {@code provisioning}, ... (case-insensitive). */
        public static Stage parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown stage '" + name + "'; one of " + EnumSet.allOf(Stage.class)
                        .toString().toLowerCase(Locale.ROOT));
            }
        }
    }

    public BenchOptions {
        Objects.requireNonNull(outputDir, "outputDir");
        if (runs < 1 || runs > 20) {
            throw new IllegalArgumentException("runs must be 1..20, was " + runs);
        }
        if (stages == null || stages.isEmpty()) {
            throw new IllegalArgumentException("at least one stage must be measured");
        }
        stages = Set.copyOf(stages);
    }

    public BenchOptions(boolean quick, Path outputDir, int runs) {
        this(quick, outputDir, runs, EnumSet.allOf(Stage.class));
    }

    /** The full suite, three runs, written to {@code outputDir}. */
    public static BenchOptions full(Path outputDir) {
        return new BenchOptions(false, outputDir, 3);
    }

    /** The CI setting: one quick run. */
    public static BenchOptions quick(Path outputDir) {
        return new BenchOptions(true, outputDir, 1);
    }

    public boolean measures(Stage stage) {
        return stages.contains(stage);
    }

    public boolean allStages() {
        return stages.size() == Stage.values().length;
    }
}
