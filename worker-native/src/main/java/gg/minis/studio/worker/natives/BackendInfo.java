package gg.minis.studio.worker.natives;

import java.util.List;

/** What {@code sw_backend_info_get} reports. */
public record BackendInfo(String name, String version, int abiVersion, boolean image, boolean stt,
                          List<Device> devices) {
    public BackendInfo {
        devices = List.copyOf(devices);
    }

    /** A compute device; index 0 is the default one. */
    public record Device(String name, long totalBytes, long freeBytes) {}
}
