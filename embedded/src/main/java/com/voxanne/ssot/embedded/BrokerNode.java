package com.voxanne.ssot.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;

/**
 * Main class of one node of an {@link EmbeddedKafkaCluster}, run in a JVM of its own (under {@link OwnerWatchdog}, so it
 * never outlives the {@code ./ssot up} that started it): starts a KRaft broker and controller from the properties file
 * given, and runs until SIGTERM (a controlled shutdown: its partitions' leadership moves to the other nodes first) or its
 * owner's end. Its storage is formatted by the owner before the first start.
 */
public final class BrokerNode {

    private BrokerNode() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: BrokerNode <server.properties>");
            System.exit(2);
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            props.load(in);
        }
        KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            server.awaitShutdown();
        }, "broker-node-shutdown"));
        server.startup();
        server.awaitShutdown();
    }
}
