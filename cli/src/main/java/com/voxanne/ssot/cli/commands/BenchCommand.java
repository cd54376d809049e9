package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.benchmarks.BenchOptions;
import com.voxanne.ssot.benchmarks.BenchReport;
import com.voxanne.ssot.benchmarks.BenchSuite;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./ssot bench [--quick]}: the benchmark suite on a fresh embedded stack; writes BENCHMARKS.md and benchmarks.json. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run the benchmark suite on the embedded stack and write BENCHMARKS.md and benchmarks.json.")
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "tiny sizes, one run: proves the harness works (what CI runs)")
    boolean quick;

    @Option(names = "--runs", defaultValue = "3", description = "runs per figure for the full suite (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--output", defaultValue = ".", description = "where to write BENCHMARKS.md and benchmarks.json")
    Path output;

    @Override
    public Integer call() throws Exception {
        BenchOptions options = quick ? BenchOptions.quick(output) : new BenchOptions(false, output, runs);
        BenchReport report = BenchSuite.run(options, System.out);
        System.out.println("Wrote " + report.markdown() + " and " + report.json());
        return 0;
    }
}
