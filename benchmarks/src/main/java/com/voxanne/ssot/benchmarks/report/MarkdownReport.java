package com.voxanne.ssot.benchmarks.report;

import com.voxanne.ssot.benchmarks.BenchReport;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** BENCHMARKS.md: the machine, the settings, a summary of the targets, then one section per figure of the issue. */
public final class MarkdownReport {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    private MarkdownReport() {
    }

    public static String render(BenchReport report) {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Written by `./ssot bench").append(report.options().quick() ? " --quick" : "").append("` on ")
                .append(WHEN.format(report.startedAt())).append(" (took ")
                .append(String.format(Locale.ROOT, "%.1f", report.took().toMillis() / 60000.0)).append(" min). Every figure was measured ")
                .append(report.options().runs()).append(report.options().runs() == 1 ? " time" : " times")
                .append(": the table shows the median and min-max over the runs, and every ratio is computed inside one run from"
                        + " figures measured in that same run (this machine is shared and noisy), then summarised the same way."
                        + " Targets are judged on the median.\n\n");
        if (report.options().quick()) {
            md.append("> **--quick**: tiny sizes and one run, to prove the harness works. These numbers are NOT benchmark figures.\n\n");
        }
        machine(md, report.machine());
        md.append("## Settings\n\n");
        report.settings().forEach(s -> md.append("- ").append(s).append('\n'));
        md.append('\n');
        summary(md, report);
        for (Section s : report.sections()) {
            section(md, s);
        }
        return md.toString();
    }

    private static void machine(StringBuilder md, Machine m) {
        md.append("## Machine\n\n| | |\n|---|---|\n");
        md.append("| cores | ").append(m.cores()).append(" |\n");
        md.append("| memory | ").append(String.format(Locale.ROOT, "%,d MB", m.memoryMb())).append(" |\n");
        md.append("| CPU | ").append(m.cpu()).append(" |\n");
        md.append("| OS | ").append(m.os()).append(" |\n");
        md.append("| JVM | ").append(m.jvm()).append(" |\n");
        md.append("| JVM options | `").append(m.jvmArgs().isEmpty() ? "(none)" : String.join(" ", m.jvmArgs())).append("` |\n");
        md.append("| GC | ").append(m.gc()).append(", max heap ").append(m.maxHeapMb()).append(" MB |\n");
        md.append("| load average at start (1/5/15 min) | ").append(m.loadAverage()).append(" |\n\n");
        for (String w : m.warnings()) {
            md.append("> **Warning:** ").append(w).append("\n\n");
        }
    }

    private static void summary(StringBuilder md, BenchReport report) {
        md.append("## Summary of targets\n\n| # | figure | median | min - max | target | verdict |\n|---|---|---|---|---|---|\n");
        for (Section s : report.sections()) {
            for (Figure f : s.figures()) {
                if (f.target().isPresent()) {
                    md.append("| ").append(s.number()).append(" | ").append(f.label()).append(" | ")
                            .append(Format.value(f.median(), f.unit())).append(" | ").append(range(f)).append(" | ")
                            .append(f.target().get().describe()).append(" | ").append(verdict(f)).append(" |\n");
                }
            }
        }
        md.append('\n');
        List<String> failures = report.failures();
        if (!failures.isEmpty()) {
            md.append("**Stages that failed:**\n\n");
            failures.forEach(f -> md.append("- ").append(f).append('\n'));
            md.append('\n');
        }
    }

    private static void section(StringBuilder md, Section s) {
        md.append("## ").append(s.number()).append(". ").append(s.title()).append("\n\n");
        md.append(s.what()).append("\n\n");
        if (!s.settings().isEmpty()) {
            md.append("Settings:\n\n");
            s.settings().forEach(line -> md.append("- ").append(line).append('\n'));
            md.append('\n');
        }
        md.append("| figure | median | min - max | per run | target | verdict |\n|---|---|---|---|---|---|\n");
        for (Figure f : s.figures()) {
            md.append("| ").append(f.label()).append(" | **").append(Format.value(f.median(), f.unit())).append("** | ")
                    .append(range(f)).append(" | ")
                    .append(f.runs().stream().map(v -> Format.value(v, f.unit())).collect(Collectors.joining(", ")))
                    .append(" | ").append(f.target().map(Target::describe).orElse("")).append(" | ")
                    .append(f.target().isPresent() ? verdict(f) : "").append(" |\n");
        }
        md.append('\n');
        if (!s.profile().isEmpty()) {
            md.append("Where the time goes (measured in these runs):\n\n");
            s.profile().forEach(line -> md.append("- ").append(line).append('\n'));
            md.append('\n');
        }
        for (Section.Plan plan : s.plans()) {
            md.append("**").append(plan.title()).append("**\n\n```\n").append(plan.text().strip()).append("\n```\n\n");
        }
        for (Figure f : s.missed()) {
            md.append("**Missed: ").append(f.label()).append("** (median ").append(Format.value(f.median(), f.unit()))
                    .append(", target ").append(f.target().orElseThrow().describe()).append("). ");
            md.append(f.remedy().isEmpty() ? "See the profile above." : f.remedy()).append("\n\n");
        }
        for (String failure : s.failures()) {
            md.append("**FAILED:** ").append(failure).append("\n\n");
        }
    }

    private static String range(Figure f) {
        return Format.value(f.min(), f.unit()) + " - " + Format.value(f.max(), f.unit());
    }

    private static String verdict(Figure f) {
        if (Double.isNaN(f.median())) {
            return "not measured";
        }
        return f.met().orElse(true) ? "met" : "**MISSED**";
    }
}
