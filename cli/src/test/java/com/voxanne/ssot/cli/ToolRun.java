package com.voxanne.ssot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** One run of an installed command-line tool (docker-compose, psql): its exit code and its output, stderr included. */
record ToolRun(int exit, String output) {

    /**
     * Runs {@code pb} (stderr merged into stdout) to its end, at most a minute.
     *
     * @param debianPackage the Debian package that provides the tool, named when it is not installed
     */
    static ToolRun of(ProcessBuilder pb, String debianPackage) throws IOException, InterruptedException {
        Process p;
        try {
            p = pb.redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(pb.command().get(0) + " is not installed (Debian package " + debianPackage
                    + "; .ci/run installs it)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s ended", pb.command().get(0)).isTrue();
        return new ToolRun(p.exitValue(), out);
    }
}
