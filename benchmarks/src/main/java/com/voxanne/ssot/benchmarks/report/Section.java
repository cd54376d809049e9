package com.voxanne.ssot.benchmarks.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One heading of the report (one figure of the issue): the figures it holds, filled in run by run, the settings it
 * ran with, and what the runs showed about where the time goes (the profile). A stage that fails records why and
 * the report still comes out, with that section saying FAILED.
 */
public final class Section {
    private final String number;
    private final String title;
    private final String what;
    private final int runs;
    private final Map<String, Definition> definitions = new LinkedHashMap<>();
    private final Map<String, double[]> values = new LinkedHashMap<>();
    private final List<String> settings = new ArrayList<>();
    private final List<String> profile = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final List<Plan> plans = new ArrayList<>();

    /** A query plan (EXPLAIN output) shown verbatim under its title: the evidence behind a figure about SQL. */
    public record Plan(String title, String text) {
        public Plan {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(text, "text");
        }
    }

    private record Definition(String label, String unit, Optional<Target> target, String remedy) {
    }

    /**
     * @param number the figure's number in the issue ("1" .. "5"), also its order in the report
     * @param what   one paragraph: what is measured and how
     */
    public Section(String number, String title, String what, int runs) {
        this.number = Objects.requireNonNull(number, "number");
        this.title = Objects.requireNonNull(title, "title");
        this.what = Objects.requireNonNull(what, "what");
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be >= 1, was " + runs);
        }
        this.runs = runs;
    }

    /** Declares a figure with no target. */
    public Section figure(String id, String label, String unit) {
        return figure(id, label, unit, null, null);
    }

    /** Declares a figure held to {@code target}; {@code remedy} is printed if the target is missed. */
    public synchronized Section figure(String id, String label, String unit, Target target, String remedy) {
        definitions.put(id, new Definition(label, unit, Optional.ofNullable(target), remedy));
        double[] v = new double[runs];
        Arrays.fill(v, Double.NaN);
        values.put(id, v);
        return this;
    }

    /** Replaces what the report says would close a missed target, once the runs showed where the time goes. */
    public synchronized void remedy(String id, String remedy) {
        Definition d = definitions.get(id);
        if (d == null) {
            throw new IllegalArgumentException("figure " + id + " is not declared in section " + number);
        }
        definitions.put(id, new Definition(d.label(), d.unit(), d.target(), remedy));
    }

    /** The value of figure {@code id} in run {@code run} (0-based). */
    public synchronized void put(String id, int run, double value) {
        double[] v = values.get(id);
        if (v == null) {
            throw new IllegalArgumentException("figure " + id + " is not declared in section " + number);
        }
        v[run] = value;
    }

    public synchronized double get(String id, int run) {
        return values.get(id)[run];
    }

    public synchronized void setting(String line) {
        settings.add(line);
    }

    public synchronized void profile(String line) {
        profile.add(line);
    }

    public synchronized void plan(String title, String text) {
        plans.add(new Plan(title, text));
    }

    public synchronized void failed(String reason) {
        failures.add(reason);
    }

    public String number() {
        return number;
    }

    public String title() {
        return title;
    }

    public String what() {
        return what;
    }

    public int runs() {
        return runs;
    }

    public synchronized List<Figure> figures() {
        List<Figure> out = new ArrayList<>();
        definitions.forEach((id, d) -> {
            List<Double> perRun = new ArrayList<>();
            for (double x : values.get(id)) {
                perRun.add(x);
            }
            out.add(new Figure(id, d.label(), d.unit(), perRun, d.target(), d.remedy()));
        });
        return out;
    }

    public synchronized List<String> settings() {
        return List.copyOf(settings);
    }

    public synchronized List<String> profile() {
        return List.copyOf(profile);
    }

    public synchronized List<Plan> plans() {
        return List.copyOf(plans);
    }

    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    public List<Figure> missed() {
        return figures().stream().filter(Figure::missed).toList();
    }
}
