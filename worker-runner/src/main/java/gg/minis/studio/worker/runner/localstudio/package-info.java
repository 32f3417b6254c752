/**
 * {@link gg.minis.studio.worker.runner.localstudio.LocalStudio}: a real studio on 127.0.0.1 that speaks the studio
 * side of the worker protocol, for the {@code demo} command, the tests and the benchmarks.
 *
 * <pre>{@code
 * try (LocalStudio studio = LocalStudio.start(LocalStudio.Options.builder()
 *         .registrationMode(LocalStudio.RegistrationMode.AUTO_APPROVE).build())) {
 *     // point a worker at studio.baseUrl() (its api_base_url), or pre-seed: studio.newWorker()
 *     studio.submit(SampleJobs.image("job-1", "a red fox"));
 *     JobRecord done = studio.awaitOutcome("job-1").get(30, TimeUnit.SECONDS);
 *     assert done.status() == JobStatus.COMPLETED && done.outcomeCount() == 1;
 *     assert studio.violations().isEmpty();
 *     studio.faults().failNextCompletes(1, 503);   // every failure path has a switch
 * }
 * }</pre>
 */
package gg.minis.studio.worker.runner.localstudio;
