package gg.minis.studio.worker.runner.registration;

import gg.minis.studio.worker.runner.config.ConfigException;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Registration state kept in the config file's internal keys, saved atomically after every transition. */
public final class ConfigRegistrationStore implements RegistrationStore {
    private final ConfigStore config;

    public ConfigRegistrationStore(ConfigStore config) {
        this.config = config;
    }

    @Override
    public RegistrationState load() throws IOException {
        try {
            return of(config.load());
        } catch (ConfigException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public void save(RegistrationState state) throws IOException {
        try {
            config.update(c -> c
                    .withInstallId(state.installId() == null ? null : UUID.fromString(state.installId()))
                    .withRegistrationSecret(state.registrationSecret())
                    .withRegistrationRequestId(state.requestId())
                    .withWorkerId(state.workerId())
                    .withAuthToken(state.authToken())
                    .withRegistrationRejectedReason(state.rejectedReason()));
        } catch (ConfigException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * {@code register --reset}: clears worker id, token, request id, secret and rejection (the install id stays), under
     * the config lock. Returns the config as it was, and the keys that were set and are now cleared.
     */
    public static Reset reset(ConfigStore store) throws ConfigException {
        WorkerConfig[] before = new WorkerConfig[1];
        store.update(c -> {
            before[0] = c;
            return c.withWorkerId(null).withAuthToken(null).withRegistrationRequestId(null)
                    .withRegistrationSecret(null).withRegistrationRejectedReason(null);
        });
        WorkerConfig c = before[0];
        List<String> cleared = new ArrayList<>();
        if (c.workerId() != null) {
            cleared.add("worker_id");
        }
        if (c.authToken() != null) {
            cleared.add("auth_token");
        }
        if (c.registrationRequestId() != null) {
            cleared.add("registration_request_id");
        }
        if (c.registrationSecret() != null) {
            cleared.add("registration_secret");
        }
        if (c.registrationRejectedReason() != null) {
            cleared.add("registration_rejected_reason");
        }
        return new Reset(c, List.copyOf(cleared));
    }

    /** What {@link #reset} found and cleared. */
    public record Reset(WorkerConfig before, List<String> clearedKeys) {}

    public static RegistrationState of(WorkerConfig c) {
        return new RegistrationState(c.installId() == null ? null : c.installId().toString(),
                c.registrationSecret(), c.registrationRequestId(), c.workerId(), c.authToken(),
                c.registrationRejectedReason());
    }
}
