package gg.minis.studio.worker.runner.testing;

import gg.minis.studio.worker.runner.localstudio.LocalStudio;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh {@link LocalStudio} on loopback for every test, with one pre-registered worker. */
public abstract class StudioTestBase {
    protected LocalStudio studio;
    protected LocalStudio.Credentials creds;

    @BeforeEach
    void startStudio() {
        studio = LocalStudio.start();
        creds = studio.newWorker();
    }

    @AfterEach
    void closeStudio() {
        studio.close();
    }
}
