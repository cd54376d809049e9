package com.voxanne.ssot.provisioner.store;

import com.voxanne.ssot.provisioner.outbox.OutboxWriter;
import javax.sql.DataSource;

/**
 * The saga side of {@code provisioning_requests}, one persistor per job (as gruelbox keeps its {@code Persistor} apart
 * from the orchestration): who holds a saga ({@link SagaLeases}), its moves between states ({@link SagaTransitions}),
 * the number it holds ({@link NumberChoiceStore}), the final write ({@link FinalWriteStore}), its result
 * ({@link SagaResults}), reads that take no lease ({@link SagaReads}) and the release saga's reads and final write
 * ({@link ReleaseStore}).
 */
public record SagaStore(SagaLeases leases, SagaTransitions transitions, NumberChoiceStore numbers, FinalWriteStore finalWrite,
                        SagaResults results, SagaReads reads, ReleaseStore releases) {

    public static SagaStore on(DataSource dataSource, OutboxWriter outbox) {
        return new SagaStore(new SagaLeases(dataSource), new SagaTransitions(dataSource), new NumberChoiceStore(dataSource),
                new FinalWriteStore(dataSource, outbox), new SagaResults(dataSource), new SagaReads(dataSource),
                new ReleaseStore(dataSource, outbox));
    }
}
