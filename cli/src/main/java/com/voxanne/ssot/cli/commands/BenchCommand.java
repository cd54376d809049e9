package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.benchmarks.BenchOptions;
import com.voxanne.ssot.benchmarks.BenchOptions.Stage;
import com.voxanne.ssot.benchmarks.BenchReport;
import com.voxanne.ssot.benchmarks.BenchSuite;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Option;

/**
 * {@code ./ssot bench [--quick] [--runs N] [--only STAGE,...] [--output DIR]}: the benchmark suite on a fresh embedded
 * stack; writes BENCHMARKS.md and benchmarks.json. Exits 1 when a stage failed (missed targets are in the report).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run the benchmark suite on the embedded stack and write BENCHMARKS.md and benchmarks.json.")
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "tiny sizes, one run: proves the harness works (what CI runs)")
    boolean quick;

    @Option(names = "--runs", defaultValue = "3", description = "runs per figure for the full suite (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--output", defaultValue = ".", description = "where to write BENCHMARKS.md and benchmarks.json")
    Path output;

    @Option(names = "--only", split = ",", paramLabel = "STAGE", converter = StageConverter.class,
            description = "measure only these stages (backfill, provisioning, reconciler, relay, footprint, cluster, scale); default: all."
                    + " Write such a partial report elsewhere (--output) than the checked-in BENCHMARKS.md")
    Set<Stage> only;

    @Override
    public Integer call() throws Exception {
        Set<Stage> stages = only == null || only.isEmpty() ? EnumSet.allOf(Stage.class) : only;
        BenchOptions options = new BenchOptions(quick, output, quick ? 1 : runs, stages);
        BenchReport report = BenchSuite.run(options, System.out);
        System.out.println("Wrote " + report.markdown() + " and " + report.json());
        report.missedTargets().forEach(f -> System.out.println("MISSED: " + f.label() + " (see the report)"));
        report.failures().forEach(f -> System.out.println("FAILED: " + f));
        return report.failures().isEmpty() ? 0 : 1;
    }

    /** Stage names on the command line, case-insensitive. */
    static final class StageConverter implements ITypeConverter<Stage> {
        @Override
        public Stage convert(String value) {
            try {
                return Stage.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
