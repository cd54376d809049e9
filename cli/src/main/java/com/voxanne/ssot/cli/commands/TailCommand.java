package com.voxanne.ssot.cli.commands;

import com.voxanne.ssot.cli.Ssot.UserError;
import com.voxanne.ssot.cli.runtime.Environment;
import com.voxanne.ssot.cli.tail.RecordRenderer;
import com.voxanne.ssot.cli.tail.TailTarget;
import com.voxanne.ssot.cli.tail.TopicTail;
import com.voxanne.ssot.platform.config.ConfigSource;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * {@code ./ssot tail TOPIC [--from-beginning] [--follow] [--max N]}: any topic of the pipeline as JSON lines on stdout
 * (one object per line, see {@link RecordRenderer}), for operators and alert consumers who do not have our jar's
 * classes; progress and errors go to stderr. Without {@code --from-beginning}, the last {@value #LAST} records of each
 * partition; then, with {@code --follow}, every new record until Ctrl-C or SIGTERM, which end it with exit 0.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Print a topic's records as JSON lines on stdout (one object per line, for jq); progress on stderr.",
                "Without --from-beginning: the last " + TailCommand.LAST + " records of each partition."})
public final class TailCommand implements Callable<Integer> {
    /** How many records of each partition are shown without {@code --from-beginning}. */
    public static final int LAST = 10;
    private static final Logger log = LoggerFactory.getLogger(TailCommand.class);

    @Parameters(index = "0", paramLabel = "TOPIC", description = "a topic name as this deployment names it (TOPIC_*), its"
            + " dead-letter topic (NAME.dlq), or a logical id such as PROVISIONING_REQUESTS or violations (any case)")
    String topic;

    @Option(names = "--from-beginning", description = "every record from the start of each partition")
    boolean fromBeginning;

    @Option(names = "--follow", description = "then keep printing new records until Ctrl-C (or SIGTERM), and exit 0")
    boolean follow;

    @Option(names = "--max", paramLabel = "N", description = "stop after N records")
    Long max;

    @Spec
    CommandSpec spec;

    private final Supplier<ConfigSource> config;
    private final Consumer<Runnable> onStopRequest;

    /** The command as {@code ./ssot} runs it: settings from the environment, stopped by SIGINT/SIGTERM. */
    public TailCommand() {
        this(ConfigSource::fromEnvironment, TailCommand::stopOnSignals);
    }

    /**
     * @param config        where the settings come from
     * @param onStopRequest given the action that stops a {@code --follow}: arranges for it to run when a stop is asked
     */
    TailCommand(Supplier<ConfigSource> config, Consumer<Runnable> onStopRequest) {
        this.config = config;
        this.onStopRequest = onStopRequest;
    }

    @Override
    public Integer call() {
        if (max != null && max < 1) {
            throw new UserError("--max must be at least 1, was " + max);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Environment env = Environment.resolve(config.get());
        TailTarget target;
        try {
            target = TailTarget.resolve(env.config().topics(), topic);
        } catch (TailTarget.UnknownTopicException e) {
            throw new UserError(e.getMessage());
        }
        Lines lines = new Lines(new RecordRenderer(target), out, max == null ? Long.MAX_VALUE : max);
        try (TopicTail tail = TopicTail.open(env.kafka(), target.name())) {
            if (follow) {
                onStopRequest.accept(tail::stop);
            }
            err.printf("tail: %s (%d partition(s)), %s%s%n", target.name(), tail.partitions().size(),
                    fromBeginning ? "from the beginning" : "the last " + LAST + " records of each partition",
                    max == null ? "" : ", at most " + max + " record(s)");
            if (fromBeginning) {
                tail.fromBeginning(lines);
            } else {
                tail.last(LAST, lines);
            }
            err.printf("tail: %d record(s)%n", lines.printed);
            if (follow && !tail.stopped() && lines.wanted()) {
                err.println("tail: following " + target.name() + " (Ctrl-C to stop) ...");
                err.flush();
                tail.follow(lines);
                err.printf("tail: stopped after %d record(s)%n", lines.printed);
            }
        } catch (TopicTail.MissingTopicException e) {
            throw new UserError(e.getMessage());
        }
        err.flush();
        return 0;
    }

    /** Prints each record as a line; wants no more once {@code max} are printed or stdout is closed (`| head`). */
    private static final class Lines implements TopicTail.Sink {
        private final RecordRenderer renderer;
        private final PrintWriter out;
        private final long max;
        private long printed;
        private boolean closed;

        Lines(RecordRenderer renderer, PrintWriter out, long max) {
            this.renderer = renderer;
            this.out = out;
            this.max = max;
        }

        @Override
        public boolean accept(ConsumerRecord<byte[], byte[]> record) {
            out.println(renderer.line(record));
            printed++;
            if (out.checkError()) { // flushes; a reader that went away is no error of ours
                log.info("stdout closed after {} record(s) of {}: stopping", printed, record.topic());
                closed = true;
            }
            return wanted();
        }

        boolean wanted() {
            return !closed && printed < max;
        }
    }

    /**
     * SIGINT (Ctrl-C) and SIGTERM run {@code stop} instead of ending the JVM, so the command closes its consumer and exits
     * 0. Its own handler rather than {@code StopSignals}: that one answers a second signal on stdout, which is data here.
     */
    private static void stopOnSignals(Runnable stop) {
        CountDownLatch requested = new CountDownLatch(1);
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), signal -> requested.countDown());
            } catch (IllegalArgumentException e) {
                // ignored by the parent (a background job of a non-interactive shell): the JVM's default applies
                log.debug("Cannot handle SIG{}: {}", name, e.getMessage());
            }
        }
        Thread waiter = new Thread(() -> {
            await(requested);
            stop.run();
        }, "tail-stop");
        waiter.setDaemon(true);
        waiter.start();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
