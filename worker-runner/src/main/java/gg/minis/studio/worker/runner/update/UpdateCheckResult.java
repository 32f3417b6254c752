package gg.minis.studio.worker.runner.update;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * What one look at the release feed found; persisted as {@code update-check.json} so that {@code status} can show
 * it without the network.
 *
 * @param checkedAt      ISO-8601 instant of the check
 * @param currentVersion the version that was running
 * @param outcome        what was found
 * @param latestVersion  the newest eligible release in the feed, or null when there was none (or the check failed)
 * @param update         set when {@code outcome} is {@link Outcome#AVAILABLE}
 * @param problem        set when {@code outcome} is {@link Outcome#FAILED}: one line for the user
 */
public record UpdateCheckResult(
        String checkedAt, String currentVersion, Outcome outcome, String latestVersion, UpdateInfo update,
        String problem) {

    public enum Outcome { UP_TO_DATE, AVAILABLE, FAILED }

    @JsonIgnore
    public boolean available() {
        return outcome == Outcome.AVAILABLE;
    }

    /** One line for a log, {@code status} or {@code update --check}. */
    @JsonIgnore
    public String summary() {
        return switch (outcome) {
            case AVAILABLE -> "update available: " + update.version() + " (you run " + currentVersion
                    + "); run 'runner update'";
            case UP_TO_DATE -> latestVersion == null ? "up to date (" + currentVersion + "; no releases in the feed)"
                    : "up to date (you run " + currentVersion + ", newest release " + latestVersion + ")";
            case FAILED -> "update check failed: " + problem;
        };
    }
}
