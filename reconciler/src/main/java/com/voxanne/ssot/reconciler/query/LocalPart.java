package com.voxanne.ssot.reconciler.query;

import java.util.List;
import java.util.Set;

/**
 * One instance's part of a cluster-wide answer, as {@code ?scope=local} serves it to the instance gathering the parts.
 *
 * @param instance   the instance that answered ({@link ReconcilerInstances#self()})
 * @param partitions the partitions its stores held for the whole of the read
 * @param items      what it found in them
 */
public record LocalPart<T>(String instance, Set<Integer> partitions, List<T> items) {
}
