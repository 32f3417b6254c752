package gg.minis.studio.worker.natives;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PlatformTest {
    @Test
    void namesFollowTheNativesLayout() {
        assertThat(Platform.of("Linux", "amd64").resourcePath("sw_sdcpp")).isEqualTo("natives/linux-x86_64/libsw_sdcpp.so");
        assertThat(Platform.of("Mac OS X", "aarch64").resourcePath("sw_whisper"))
                .isEqualTo("natives/macos-aarch64/libsw_whisper.dylib");
        assertThat(Platform.of("Windows 11", "amd64").resourcePath("sw_testbackend"))
                .isEqualTo("natives/windows-x86_64/sw_testbackend.dll");
        assertThat(Platform.of("Linux", "arm64").id()).isEqualTo("linux-aarch64");
    }
}
