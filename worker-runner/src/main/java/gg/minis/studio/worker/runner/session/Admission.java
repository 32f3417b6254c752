package gg.minis.studio.worker.runner.session;

import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.job.JobClaim;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/** Decides whether an offer is accepted. A refusal is the reason sent in the {@code reject} frame. */
public final class Admission {
    private final Engine engine;
    private final DoubleSupplier vramThresholdGb;
    private final JobGate gate;

    public Admission(Engine engine, DoubleSupplier vramThresholdGb) {
        this(engine, vramThresholdGb, new JobGate());
    }

    /** With a gate shared with other job sources (the local API): offers are refused while one of those runs. */
    public Admission(Engine engine, DoubleSupplier vramThresholdGb, JobGate gate) {
        this.engine = engine;
        this.vramThresholdGb = vramThresholdGb;
        this.gate = gate;
    }

    /** The engine lock the session takes for each accepted job. */
    public JobGate gate() {
        return gate;
    }

    /** Empty when the job may run now; otherwise why not, in words an operator understands. */
    public Optional<String> refusal(JobClaim claim, boolean paused, String runningJobId) {
        if (paused) {
            return Optional.of("paused: the operator paused this worker");
        }
        if (runningJobId != null) {
            return Optional.of("busy: running job " + runningJobId);
        }
        JobGate.Holder other = gate.current();
        if (other != null) {
            return Optional.of("busy: running " + other.describe());
        }
        if (!engine.kinds().contains(claim.kind())) {
            return Optional.of("task kind '" + claim.kind() + "' is not supported (this worker runs "
                    + engine.kinds() + ")");
        }
        if (!engine.supports(claim.kind(), claim.modelSource())) {
            return Optional.of("model '" + claim.model() + "' with modelSource.engine '"
                    + claim.modelSource().engine() + "' is not supported for " + claim.kind()
                    + " (this worker runs " + engine.id() + ")");
        }
        double threshold = vramThresholdGb.getAsDouble();
        if (claim.vramGbEstimate() > threshold) {
            return Optional.of("vramGbEstimate " + claim.vramGbEstimate() + " exceeds this worker's threshold "
                    + threshold + " GB");
        }
        return Optional.empty();
    }
}
