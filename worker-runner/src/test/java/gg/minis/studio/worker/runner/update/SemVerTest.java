package gg.minis.studio.worker.runner.update;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SemVerTest {
    private static SemVer v(String s) {
        return SemVer.parse(s).orElseThrow(() -> new AssertionError("not semver: " + s));
    }

    @Test
    void parsesWithAndWithoutVPrefixAndDropsBuildMetadata() {
        assertThat(v("v1.2.3")).isEqualTo(new SemVer(1, 2, 3, List.of()));
        assertThat(v("1.2.3-rc.1+build.7")).isEqualTo(new SemVer(1, 2, 3, List.of("rc", "1")));
        assertThat(v("V0.0.1").toString()).isEqualTo("0.0.1");
        assertThat(v("1.2.3-rc.1+sha.abc").toString()).isEqualTo("1.2.3-rc.1");
        assertThat(v("0.1.0-SNAPSHOT").isPreRelease()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.3-", "1.2.3-rc..1", "1.2.3-rc.01",
        "latest", "nightly-2024", "v", "vv1.2.3", "1.2.3+", "1.2.3 beta", "99999999999999999999.0.0"})
    void rejectsWhatIsNotSemver(String text) {
        assertThat(SemVer.parse(text)).isEmpty();
    }

    @Test
    void ordersAsSemver2Says() {
        // The precedence example of semver.org, section 11, plus release lines.
        List<String> ordered = List.of("1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0-rc.1", "1.2.0", "1.9.0",
                "1.10.0", "2.0.0");
        List<SemVer> shuffled = new ArrayList<>(ordered.stream().map(SemVerTest::v).toList());
        Collections.shuffle(shuffled, new java.util.Random(7));
        Collections.sort(shuffled);
        assertThat(shuffled.stream().map(SemVer::toString).toList()).isEqualTo(ordered);
    }

    @Test
    void buildMetadataDoesNotCount() {
        assertThat(v("1.2.0+a").compareTo(v("v1.2.0+b"))).isZero();
        assertThat(v("1.2.0+a").isNewerThan(v("1.2.0"))).isFalse();
    }

    @Test
    void numericIdentifiersCompareAsNumbersEvenBeyondLong() {
        assertThat(v("1.0.0-rc.10").isNewerThan(v("1.0.0-rc.9"))).isTrue();
        assertThat(v("1.0.0-123456789012345678901234").isNewerThan(v("1.0.0-99999999999999999999"))).isTrue();
        assertThat(v("1.0.0-a").isNewerThan(v("1.0.0-999"))).isTrue(); // alphanumeric beats numeric
    }
}
