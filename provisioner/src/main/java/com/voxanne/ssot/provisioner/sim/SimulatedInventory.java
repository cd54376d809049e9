package com.voxanne.ssot.provisioner.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.voxanne.ssot.provisioner.twilio.OwnedNumber;
import com.voxanne.ssot.provisioner.vapi.ImportedNumber;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the simulated Twilio account owns and what the simulated Vapi holds, kept in a file so that a restarted
 * {@code ./ssot up} finds the numbers it bought before (as the real providers would). Written at most every
 * {@link #FLUSH_EVERY_MS} ms after a change, and on close: a {@code kill -9} loses at most that window of the
 * simulators' changes. Holds numbers and ids only, never a credential (those are new on every start).
 */
final class SimulatedInventory implements AutoCloseable {
    static final long FLUSH_EVERY_MS = 200;
    private static final Logger log = LoggerFactory.getLogger(SimulatedInventory.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FakeTwilioServer twilio;
    private final FakeVapiServer vapi;
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final ScheduledExecutorService writer;

    private SimulatedInventory(Path file, FakeTwilioServer twilio, FakeVapiServer vapi) {
        this.file = file;
        this.twilio = twilio;
        this.vapi = vapi;
        this.writer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sim-inventory-writer");
            t.setDaemon(true);
            return t;
        });
    }

    /** Restores {@code file} (if it exists) into both simulators, then keeps it up to date with their changes. */
    static SimulatedInventory attach(Path file, FakeTwilioServer twilio, FakeVapiServer vapi) {
        SimulatedInventory inventory = new SimulatedInventory(file, twilio, vapi);
        inventory.restore();
        twilio.onChange(inventory::markDirty);
        vapi.onChange(inventory::markDirty);
        inventory.writer.scheduleWithFixedDelay(inventory::flushIfDirty, FLUSH_EVERY_MS, FLUSH_EVERY_MS, TimeUnit.MILLISECONDS);
        return inventory;
    }

    private void restore() {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            JsonNode root = JSON.readTree(file.toFile());
            for (JsonNode n : root.path("twilio")) {
                twilio.adopt(new OwnedNumber(n.path("sid").asText(), n.path("phoneNumber").asText(), n.path("friendlyName").asText(null)));
            }
            for (JsonNode n : root.path("vapi")) {
                vapi.adopt(new ImportedNumber(n.path("id").asText(), n.path("number").asText(), n.path("name").asText(null), "active"));
            }
            log.info("SIMULATED providers restored from {}: Twilio owns {}, Vapi holds {}", file, root.path("twilio").size(),
                    root.path("vapi").size());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the simulated providers' inventory " + file
                    + " (delete it to start the simulators empty)", e);
        }
    }

    private void markDirty() {
        dirty.set(true);
    }

    private void flushIfDirty() {
        if (dirty.getAndSet(false)) {
            try {
                write();
            } catch (IOException | RuntimeException e) {
                dirty.set(true);
                log.warn("Could not write the simulated providers' inventory {} (retrying): {}", file, e.toString());
            }
        }
    }

    private synchronized void write() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode owned = root.putArray("twilio");
        for (OwnedNumber n : twilio.ownedNumbers()) {
            owned.addObject().put("sid", n.sid()).put("phoneNumber", n.phoneNumber()).put("friendlyName", n.friendlyName());
        }
        ArrayNode imported = root.putArray("vapi");
        for (ImportedNumber n : vapi.importedNumbers()) {
            imported.addObject().put("id", n.id()).put("number", n.number()).put("name", n.name());
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), root);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Stops the writer and writes the last changes. */
    @Override
    public void close() {
        writer.shutdownNow();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (dirty.getAndSet(false)) {
            try {
                write();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the simulated providers' inventory " + file, e);
            }
        }
    }
}
