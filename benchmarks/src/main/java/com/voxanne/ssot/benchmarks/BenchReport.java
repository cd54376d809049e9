package com.voxanne.ssot.benchmarks;

import com.voxanne.ssot.benchmarks.report.Figure;
import com.voxanne.ssot.benchmarks.report.Machine;
import com.voxanne.ssot.benchmarks.report.Section;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one {@code ./ssot bench} measured: the machine, the suite-wide settings, and one {@link Section} per figure
 * of the issue, in order. Written as BENCHMARKS.md and benchmarks.json by {@link BenchSuite}.
 */
public record BenchReport(Instant startedAt, Duration took, BenchOptions options, Machine machine, List<String> settings,
                          List<Section> sections, Path markdown, Path json) {

    public BenchReport {
        settings = List.copyOf(settings);
        sections = List.copyOf(sections);
    }

    /** Why stages failed (empty when every stage ran). */
    public List<String> failures() {
        List<String> out = new ArrayList<>();
        for (Section s : sections) {
            s.failures().forEach(f -> out.add(s.number() + ". " + s.title() + ": " + f));
        }
        return out;
    }

    /** Figures whose median misses their target. */
    public List<Figure> missedTargets() {
        return sections.stream().flatMap(s -> s.missed().stream()).toList();
    }
}
