package com.voxanne.ssot.benchmarks.report;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The machine and JVM the figures were measured on, read from the JVM and /proc. Numbers from a shared 2-core box
 * mean little without this; {@link #warnings()} names settings that distort them (e.g. a C1-only JIT).
 */
public record Machine(int cores, long memoryMb, String cpu, String os, String jvm, List<String> jvmArgs, String gc,
                      long maxHeapMb, String loadAverage) {

    public static Machine probe() {
        Runtime rt = Runtime.getRuntime();
        List<String> gcs = new ArrayList<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcs.add(gc.getName());
        }
        return new Machine(rt.availableProcessors(),
                procLine("/proc/meminfo", "MemTotal:").map(Machine::kbToMb).orElse(-1L),
                procLine("/proc/cpuinfo", "model name").map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " (" + System.getProperty("os.arch") + ")",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version", System.getProperty("java.version"))
                        + " (" + System.getProperty("java.vm.vendor") + ")",
                List.copyOf(ManagementFactory.getRuntimeMXBean().getInputArguments()),
                String.join(", ", gcs),
                rt.maxMemory() / (1024 * 1024),
                currentLoadAverage());
    }

    /** Settings of this JVM that make the figures lower than the machine can do. */
    public List<String> warnings() {
        List<String> out = new ArrayList<>();
        for (String arg : jvmArgs) {
            if (arg.startsWith("-XX:TieredStopAtLevel=")) {
                out.add("this JVM runs with " + arg + " (C1 only, as ./ssot starts by default for a fast start):"
                        + " throughput figures are lower than with the full JIT; set SSOT_JAVA_OPTS without it for real figures");
            }
        }
        if (maxHeapMb < 2048) {
            out.add("max heap is " + maxHeapMb + " MB: the full suite wants >= 2 GB (-Xmx3g); GC pressure lowers the figures");
        }
        return out;
    }

    /** The 1/5/15-minute load averages now (a busy shared machine shows here). */
    public static String currentLoadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static Optional<String> procLine(String file, String prefix) {
        try {
            return Files.readAllLines(Path.of(file)).stream().filter(l -> l.startsWith(prefix)).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static long kbToMb(String memTotalLine) {
        String digits = memTotalLine.replaceAll("[^0-9]", "");
        return digits.isEmpty() ? -1 : Long.parseLong(digits) / 1024;
    }
}
