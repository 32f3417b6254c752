package gg.minis.studio.worker.runner.registration;

import java.io.IOException;

/** Where registration state lives (the config file in the runner; memory in tests and embedded use). */
public interface RegistrationStore {
    RegistrationState load() throws IOException;

    void save(RegistrationState state) throws IOException;

    /** A store that keeps the state in memory only. */
    static RegistrationStore inMemory(RegistrationState initial) {
        return new RegistrationStore() {
            private volatile RegistrationState state = initial;

            @Override
            public RegistrationState load() {
                return state;
            }

            @Override
            public void save(RegistrationState newState) {
                state = newState;
            }
        };
    }
}
