package gg.minis.studio.worker.api.task;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.require;

/** One chat turn: {@code role} is system, user, assistant or tool. */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        require(role, "role");
        require(content, "content");
    }
}
