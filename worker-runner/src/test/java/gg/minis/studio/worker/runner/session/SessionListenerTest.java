package gg.minis.studio.worker.runner.session;

import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.TaskResult;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionListenerTest {
    /** all() must forward every callback: a method added to the interface and forgotten there fails this test. */
    @Test
    void allForwardsEveryCallbackToEveryListenerInOrder() throws Exception {
        List<String> calls = new ArrayList<>();
        SessionListener first = recording("first", calls);
        SessionListener second = recording("second", calls);
        SessionListener both = SessionListener.all(first, second);
        List<Method> callbacks = Arrays.stream(SessionListener.class.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()))
                .toList();
        for (Method m : callbacks) {
            Object[] args = Arrays.stream(m.getParameterTypes()).map(SessionListenerTest::sample).toArray();
            m.invoke(both, args);
        }
        List<String> expected = new ArrayList<>();
        for (Method m : callbacks) {
            expected.add("first:" + m.getName());
            expected.add("second:" + m.getName());
        }
        assertThat(calls).containsExactlyElementsOf(expected);
    }

    private static SessionListener recording(String name, List<String> calls) {
        return (SessionListener) Proxy.newProxyInstance(SessionListener.class.getClassLoader(),
                new Class<?>[] {SessionListener.class}, (proxy, method, args) -> {
                    calls.add(name + ":" + method.getName());
                    return null;
                });
    }

    private static Object sample(Class<?> type) {
        if (type == int.class) {
            return 0;
        }
        if (type == boolean.class) {
            return false;
        }
        if (type == String.class) {
            return "x";
        }
        if (type == Duration.class) {
            return Duration.ZERO;
        }
        if (type == Progress.class) {
            return new Progress("p", 0, 0);
        }
        if (type == JobClaim.class || type == TaskResult.class) {
            return null;
        }
        throw new AssertionError("no sample for " + type);
    }
}
