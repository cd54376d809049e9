package com.voxanne.ssot.benchmarks.footprint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The processes of one {@code ssot up}: the JVM and its descendants, plus PostgreSQL, which pg_ctl daemonizes (it
 * is no descendant of the JVM) and is found by its data directory on its command line, with its own children.
 * Memory is read from /proc: VmRSS (what the issue asks for; shared pages such as PostgreSQL's shared buffers are
 * counted once per process) and Pss (shared pages divided among their users: the honest total).
 */
final class ProcessTree {
    private ProcessTree() {
    }

    record Memory(int processes, long rssKb, long pssKb) {
        double rssMb() {
            return rssKb / 1024.0;
        }

        double pssMb() {
            return pssKb / 1024.0;
        }
    }

    static Set<ProcessHandle> of(ProcessHandle root, Path dataDir) {
        Set<ProcessHandle> all = new LinkedHashSet<>();
        all.add(root);
        root.descendants().forEach(all::add);
        String marker = dataDir.toAbsolutePath().toString();
        ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> commandLine(p).contains(marker))
                .forEach(p -> {
                    all.add(p);
                    p.descendants().forEach(all::add);
                });
        return all;
    }

    static Memory memory(Set<ProcessHandle> processes) {
        long rss = 0;
        long pss = 0;
        int alive = 0;
        for (ProcessHandle p : processes) {
            long r = field(Path.of("/proc", Long.toString(p.pid()), "status"), "VmRSS:");
            if (r < 0) {
                continue; // gone meanwhile
            }
            alive++;
            rss += r;
            pss += Math.max(0, field(Path.of("/proc", Long.toString(p.pid()), "smaps_rollup"), "Pss:"));
        }
        return new Memory(alive, rss, pss);
    }

    /** The full command line from /proc (ProcessHandle.Info truncates it on Linux). */
    static String commandLine(ProcessHandle p) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException | SecurityException e) {
            return "";
        }
    }

    /** A "Name:   123 kB" line's number, or -1 when the file or line is not there. */
    private static long field(Path file, String name) {
        try {
            List<String> lines = Files.readAllLines(file);
            for (String line : lines) {
                if (line.startsWith(name)) {
                    String digits = line.substring(name.length()).replaceAll("[^0-9]", "");
                    return digits.isEmpty() ? -1 : Long.parseLong(digits);
                }
            }
            return -1;
        } catch (IOException | SecurityException e) {
            return -1;
        }
    }
}
