package com.voxanne.ssot.benchmarks.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.voxanne.ssot.benchmarks.BenchReport;

/** benchmarks.json: the same content as BENCHMARKS.md for machines (dashboards, trend checks). NaN is written as null. */
public final class JsonReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {
    }

    public static String render(BenchReport report) {
        ObjectNode root = JSON.createObjectNode();
        root.put("startedAt", report.startedAt().toString());
        root.put("tookSeconds", report.took().toMillis() / 1000.0);
        root.put("quick", report.options().quick());
        root.put("runs", report.options().runs());
        ObjectNode machine = root.putObject("machine");
        Machine m = report.machine();
        machine.put("cores", m.cores());
        machine.put("memoryMb", m.memoryMb());
        machine.put("cpu", m.cpu());
        machine.put("os", m.os());
        machine.put("jvm", m.jvm());
        ArrayNode args = machine.putArray("jvmArgs");
        m.jvmArgs().forEach(args::add);
        machine.put("gc", m.gc());
        machine.put("maxHeapMb", m.maxHeapMb());
        machine.put("loadAverageAtStart", m.loadAverage());
        ArrayNode warnings = machine.putArray("warnings");
        m.warnings().forEach(warnings::add);
        ArrayNode settings = root.putArray("settings");
        report.settings().forEach(settings::add);
        ArrayNode sections = root.putArray("sections");
        for (Section s : report.sections()) {
            ObjectNode sn = sections.addObject();
            sn.put("number", s.number());
            sn.put("title", s.title());
            sn.put("what", s.what());
            ArrayNode ss = sn.putArray("settings");
            s.settings().forEach(ss::add);
            ArrayNode figures = sn.putArray("figures");
            for (Figure f : s.figures()) {
                ObjectNode fn = figures.addObject();
                fn.put("id", f.id());
                fn.put("label", f.label());
                fn.put("unit", f.unit());
                ArrayNode runs = fn.putArray("runs");
                f.runs().forEach(v -> {
                    if (Double.isNaN(v)) {
                        runs.addNull();
                    } else {
                        runs.add(v);
                    }
                });
                number(fn, "median", f.median());
                number(fn, "min", f.min());
                number(fn, "max", f.max());
                f.target().ifPresent(t -> {
                    ObjectNode tn = fn.putObject("target");
                    tn.put("direction", t.direction().name());
                    tn.put("threshold", t.threshold());
                    fn.put("met", f.met().orElse(false));
                });
            }
            ArrayNode profile = sn.putArray("profile");
            s.profile().forEach(profile::add);
            ArrayNode plans = sn.putArray("plans");
            s.plans().forEach(plan -> plans.addObject().put("title", plan.title()).put("text", plan.text()));
            ArrayNode failures = sn.putArray("failures");
            s.failures().forEach(failures::add);
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render benchmarks.json", e);
        }
    }

    private static void number(ObjectNode node, String field, double v) {
        if (Double.isNaN(v)) {
            node.putNull(field);
        } else {
            node.put(field, v);
        }
    }
}
