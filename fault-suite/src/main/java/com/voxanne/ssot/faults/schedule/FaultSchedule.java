package com.voxanne.ssot.faults.schedule;

import com.voxanne.ssot.faults.inject.InputTopic;
import com.voxanne.ssot.faults.inject.MalformedKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The faults of one run, in order, drawn from a seed: every kind of the setting {@code rounds} times (every malformed
 * variant on every topic it applies to), then {@code extraFaults} more at random by weight, shuffled. The same seed and
 * setting give the same schedule, so a failing run is replayed with {@code -Dfaults.seed=<seed>} (what a fault hits
 * still depends on timing: which saga reaches a checkpoint first, for instance).
 */
public final class FaultSchedule {
    private final long seed;
    private final List<PlannedFault> faults;

    private FaultSchedule(long seed, List<PlannedFault> faults) {
        this.seed = seed;
        this.faults = List.copyOf(faults);
    }

    public static FaultSchedule plan(ScenarioSettings settings, long seed) {
        Random random = new Random(seed);
        List<FaultKind> kinds = settings.kinds().stream().sorted().toList();
        List<FaultKind> drawnKinds = new ArrayList<>();
        List<MalformedKind> drawnVariants = new ArrayList<>();
        for (int round = 0; round < settings.rounds(); round++) {
            for (FaultKind kind : kinds) {
                if (kind.category() == FaultKind.Category.MALFORMED_INPUT) {
                    for (MalformedKind variant : MalformedKind.forTopic(InputTopic.of(kind))) {
                        drawnKinds.add(kind);
                        drawnVariants.add(variant);
                    }
                } else {
                    drawnKinds.add(kind);
                    drawnVariants.add(null);
                }
            }
        }
        int totalWeight = kinds.stream().mapToInt(FaultKind::weight).sum();
        for (int i = 0; i < settings.extraFaults() && totalWeight > 0; i++) {
            FaultKind kind = weighted(kinds, totalWeight, random);
            drawnKinds.add(kind);
            if (kind.category() == FaultKind.Category.MALFORMED_INPUT) {
                List<MalformedKind> variants = MalformedKind.forTopic(InputTopic.of(kind));
                drawnVariants.add(variants.get(random.nextInt(variants.size())));
            } else {
                drawnVariants.add(null);
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < drawnKinds.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        List<PlannedFault> faults = new ArrayList<>(order.size());
        for (int position = 0; position < order.size(); position++) {
            int i = order.get(position);
            faults.add(new PlannedFault(position, drawnKinds.get(i), drawnVariants.get(i), random.nextLong()));
        }
        return new FaultSchedule(seed, faults);
    }

    private static FaultKind weighted(List<FaultKind> kinds, int totalWeight, Random random) {
        int pick = random.nextInt(totalWeight);
        for (FaultKind kind : kinds) {
            pick -= kind.weight();
            if (pick < 0) {
                return kind;
            }
        }
        throw new IllegalStateException("weights do not add up");
    }

    public long seed() {
        return seed;
    }

    public List<PlannedFault> faults() {
        return faults;
    }

    public int size() {
        return faults.size();
    }

    /** How many faults of each kind are planned. */
    public Map<FaultKind, Integer> countByKind() {
        Map<FaultKind, Integer> counts = new EnumMap<>(FaultKind.class);
        faults.forEach(f -> counts.merge(f.kind(), 1, Integer::sum));
        return counts;
    }

    @Override
    public String toString() {
        return "FaultSchedule[seed=" + seed + ", " + faults.size() + " faults]";
    }
}
