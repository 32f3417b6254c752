package gg.minis.studio.worker.runner.telemetry;

import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.runner.Version;
import gg.minis.studio.worker.runner.logging.LogShipper;
import gg.minis.studio.worker.runner.session.SessionListener;
import io.sentry.Breadcrumb;
import io.sentry.Sentry;
import io.sentry.SentryEvent;
import io.sentry.SentryLevel;
import io.sentry.SentryOptions;
import io.sentry.protocol.Message;
import io.sentry.protocol.SentryException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Error reports to Sentry, strictly opt-in: only when {@code SENTRY_DSN} is set is Sentry initialised at all;
 * otherwise every method here does nothing. Reports unhandled exceptions (Sentry's default uncaught exception
 * handler) and failed jobs, with the worker version as release, and scrubs every event before it leaves: no
 * credentials, no prompts, no job texts.
 */
public final class Telemetry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Telemetry.class);
    public static final String DSN_ENV = "SENTRY_DSN";
    public static final String ENVIRONMENT_ENV = "SENTRY_ENVIRONMENT";

    private static final Telemetry OFF = new Telemetry(false, new Redactor(s -> s));

    private final boolean enabled;
    private final Redactor redactor;

    private Telemetry(boolean enabled, Redactor redactor) {
        this.enabled = enabled;
        this.redactor = redactor;
    }

    /** Starts reporting if {@code env} has {@code SENTRY_DSN}; {@code secrets} scrubs the credentials. */
    public static Telemetry start(Map<String, String> env, LogShipper secrets) {
        return start(env, secrets, options -> {});
    }

    /** {@link #start(Map, LogShipper)} with a last say on the options (tests: timeouts). */
    static Telemetry start(Map<String, String> env, LogShipper secrets, Consumer<SentryOptions> tweak) {
        String dsn = env.get(DSN_ENV);
        if (dsn == null || dsn.isBlank()) {
            return OFF;
        }
        Redactor redactor = new Redactor(secrets::scrub);
        try {
            Sentry.init(options -> {
                options.setDsn(dsn.strip());
                options.setRelease("studio-worker-java@" + Version.current());
                options.setEnvironment(env.getOrDefault(ENVIRONMENT_ENV, "production"));
                options.setSendDefaultPii(false);
                options.setAttachServerName(false); // the host name says who runs the worker
                options.setEnableUncaughtExceptionHandler(true);
                options.setBeforeSend((event, hint) -> scrub(event, redactor));
                options.setBeforeBreadcrumb((crumb, hint) -> scrub(crumb, redactor));
                tweak.accept(options);
            });
        } catch (RuntimeException e) { // a bad DSN must not stop the worker
            log.warn("{} is set but Sentry could not start ({}); error reports are off", DSN_ENV, e.getMessage());
            return OFF;
        }
        log.info("error reports go to Sentry ({} is set)", DSN_ENV);
        return new Telemetry(true, redactor);
    }

    public boolean enabled() {
        return enabled;
    }

    /** Reports failed jobs (tags {@code kind}, {@code engine}) and remembers every job's texts for scrubbing. */
    public SessionListener jobListener(String engineId) {
        if (!enabled) {
            return SessionListener.NONE;
        }
        return new SessionListener() {
            @Override
            public void onJobStarted(JobClaim claim) {
                redactor.remember(claim);
            }

            @Override
            public void onJobFinished(JobClaim claim, Duration elapsed, String error) {
                redactor.remember(claim);
                if (error != null) {
                    Sentry.captureMessage("job failed: " + error, SentryLevel.ERROR, scope -> {
                        scope.setTag("kind", claim.kind().wireName());
                        scope.setTag("engine", engineId);
                    });
                }
            }
        };
    }

    /** An error that ended the command without reaching the uncaught exception handler. */
    public void captureUnexpected(Throwable t) {
        if (enabled) {
            Sentry.captureException(t);
        }
    }

    public void flush(Duration timeout) {
        if (enabled) {
            Sentry.flush(timeout.toMillis());
        }
    }

    /** Sends what is queued (within Sentry's shutdown timeout) and stops reporting. */
    @Override
    public void close() {
        if (enabled) {
            Sentry.close();
        }
    }

    static SentryEvent scrub(SentryEvent event, Redactor r) {
        Message message = event.getMessage();
        if (message != null) {
            message.setMessage(r.redact(message.getMessage()));
            message.setFormatted(r.redact(message.getFormatted()));
            if (message.getParams() != null) {
                message.setParams(message.getParams().stream().map(r::redact).toList());
            }
        }
        if (event.getExceptions() != null) {
            for (SentryException e : event.getExceptions()) {
                e.setValue(r.redact(e.getValue()));
            }
        }
        if (event.getTags() != null) {
            event.getTags().replaceAll((k, v) -> r.redact(v));
        }
        if (event.getExtras() != null) {
            for (Map.Entry<String, Object> e : new java.util.HashMap<>(event.getExtras()).entrySet()) {
                event.setExtra(e.getKey(), r.redact(String.valueOf(e.getValue())));
            }
        }
        if (event.getBreadcrumbs() != null) {
            event.getBreadcrumbs().forEach(b -> scrub(b, r));
        }
        event.setUser(null);
        event.setServerName(null);
        return event;
    }

    static Breadcrumb scrub(Breadcrumb crumb, Redactor r) {
        crumb.setMessage(r.redact(crumb.getMessage()));
        for (Map.Entry<String, Object> e : new java.util.HashMap<>(crumb.getData()).entrySet()) {
            crumb.setData(e.getKey(), r.redact(String.valueOf(e.getValue())));
        }
        return crumb;
    }
}
