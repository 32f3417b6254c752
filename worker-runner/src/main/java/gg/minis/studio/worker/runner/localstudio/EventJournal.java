package gg.minis.studio.worker.runner.localstudio;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * What a {@link LocalStudio} saw and did, as numbered {@link StudioEvent}s (bounded, oldest dropped first), and the
 * futures waiting for an event to come. Waiters complete through {@code notifier}, off the caller's thread and in
 * order with the studio's other notifications. Thread-safe; never calls back into the studio.
 */
final class EventJournal {
    private record Waiter(long afterSeq, Predicate<StudioEvent> predicate, CompletableFuture<StudioEvent> future) {}

    private final int capacity;
    private final Executor notifier;
    private final ArrayDeque<StudioEvent> events = new ArrayDeque<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private long lastSeq;

    EventJournal(int capacity, Executor notifier) {
        this.capacity = capacity;
        this.notifier = notifier;
    }

    /** Appends an event and wakes the waiters it matches. */
    synchronized StudioEvent add(int sessionId, String workerId, StudioEvent.Kind kind, String type, String detail) {
        StudioEvent e = new StudioEvent(++lastSeq, Instant.now(), System.nanoTime(), sessionId, workerId, kind, type,
                detail);
        events.addLast(e);
        if (events.size() > capacity) {
            events.removeFirst();
        }
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (e.seq() > w.afterSeq() && w.predicate().test(e)) {
                it.remove();
                notifier.execute(() -> w.future().complete(e));
            }
        }
        return e;
    }

    synchronized List<StudioEvent> all() {
        return List.copyOf(events);
    }

    /** The types of the {@code kind} events of {@code workerId}, in order. */
    synchronized List<String> types(StudioEvent.Kind kind, String workerId) {
        return events.stream()
                .filter(e -> e.kind() == kind && workerId.equals(e.workerId()))
                .map(StudioEvent::type)
                .toList();
    }

    /** The sequence number of the newest event, 0 before any. */
    synchronized long lastSeq() {
        return lastSeq;
    }

    /** The first event with {@code seq > afterSeq} that matches, among those kept and those to come. */
    synchronized CompletableFuture<StudioEvent> await(long afterSeq, Predicate<StudioEvent> predicate) {
        for (StudioEvent e : events) {
            if (e.seq() > afterSeq && predicate.test(e)) {
                return CompletableFuture.completedFuture(e);
            }
        }
        CompletableFuture<StudioEvent> f = new CompletableFuture<>();
        waiters.add(new Waiter(afterSeq, predicate, f));
        return f;
    }

    /** Fails every waiter: nothing more will come. */
    synchronized void close(Exception why) {
        waiters.forEach(w -> w.future().completeExceptionally(why));
        waiters.clear();
    }
}
