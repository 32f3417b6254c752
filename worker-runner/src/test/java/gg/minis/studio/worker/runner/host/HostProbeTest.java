package gg.minis.studio.worker.runner.host;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostProbeTest {
    @Test
    void nvidiaSmiOutputGivesTheLargestGpuInGb() {
        assertThat(HostProbe.parseNvidiaSmiMiB("24564\n81559\n")).isEqualTo(79.6);
        assertThat(HostProbe.parseNvidiaSmiMiB("8192")).isEqualTo(8.0);
        assertThat(HostProbe.parseNvidiaSmiMiB("NVIDIA-SMI has failed\n")).isZero();
        assertThat(HostProbe.parseNvidiaSmiMiB("")).isZero();
    }

    @Test
    void machineAndUserNamesAreNeverBlank() {
        assertThat(HostProbe.machineName()).isNotBlank();
        assertThat(HostProbe.userName()).isNotBlank();
        assertThat(HostProbe.totalVramGb()).isGreaterThanOrEqualTo(0);
    }
}
