package gg.minis.studio.worker.api.job;

/** What an engine produced: bytes to upload, or JSON to send in a {@code completeJson} frame. */
public sealed interface TaskResult permits BinaryResult, JsonResult {}
