import { messageOf } from "../errors.js";
import type { Job } from "@goatkit/sdk";
import { MANAGER_LOG } from "../platform/plugin-manager.js";
import { jobPlatform, type JobPlatform } from "../platform/platform-ports.js";
import type { JobInfo } from "../plugin/request.js";
import { nextRunOf, type ScheduledJob } from "./job-registry.js";
import { JobError } from "./job-error.js";
import { JobHistory, type JobRun, type JobTrigger } from "./job-run.js";
import type { PlatformState } from "../state/platform-state.js";
import { retryDelayMs } from "./retry-backoff.js";
import { bodyText, iso, keyOf, withTimeout } from "./job-scheduler-helpers.js";
import type { HeldJobLease, JobSchedulerOptions, JobState, JobView, RunListener } from "./job-scheduler-types.js";
export type { HeldJobLease, JobLease, JobSchedulerOptions, JobView } from "./job-scheduler-types.js";

/**
 * Runs the jobs in the host's JobRegistry (manifest `jobs` and `schedule_job` calls) on their
 * cron schedules, by the host clock: a test moves the clock and calls `tick()`. Runs of one
 * job never overlap; a failed run is retried `jobs[].retries` times with exponential backoff;
 * every attempt is kept in the job's history. Handlers get `kind: "job"` and the `job` field
 * of docs/envelopes.md.
 */
export class JobScheduler {
  readonly #ports: JobPlatform;
  readonly #states = new Map<string, JobState>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #listeners = new Set<RunListener>();
  #timer: NodeJS.Timeout | null = null;
  #nextRunId = 1;
  /** Runs stored before this scheduler started, by job, until the job's state is created. */
  readonly #restored = new Map<string, JobRun[]>();
  /** Set once the database refused a run, so an outage is reported once. */
  #storeFailing = false;

  constructor(private readonly options: JobSchedulerOptions) {
    this.#ports = jobPlatform(options.manager);
  }

  get #platform(): PlatformState | null {
    return this.#ports.state;
  }

  /**
   * Reads the run history the platform state kept from before a restart. A host that runs alone
   * first marks the runs still recorded as running as `interrupted`: their host is gone. (In a
   * cluster another host may be running them; a takeover marks them instead.) Call before start().
   */
  async restore(): Promise<void> {
    const state = this.#platform;
    if (!state) return;
    if (!this.options.lease) await state.store.interruptRuns(iso(this.#clock()));
    for (const run of await state.store.recentRuns(this.options.historySize ?? 50)) {
      const { hostId: _hostId, ...stored } = run;
      const key = keyOf(run.plugin, run.job);
      const runs = this.#restored.get(key) ?? [];
      runs.push(stored);
      this.#restored.set(key, runs);
      const existing = this.#states.get(key);
      if (existing) existing.history.restore([stored]);
    }
  }

  /** Checks for due jobs every `tickMs` of real time. */
  start(): void {
    const every = this.options.tickMs ?? 1000;
    if (this.#timer || every <= 0) return;
    this.#sync();
    this.#timer = setInterval(() => void this.tick(), every);
    this.#timer.unref();
  }

  /** Stops checking and waits for running attempts to finish. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /** Starts every run due by the host clock and resolves with those attempts once they end. */
  tick(): Promise<JobRun[]> {
    this.#sync();
    const now = this.#clock();
    const started: Promise<JobRun | null>[] = [];
    for (const state of this.#states.values()) {
      const { job } = state;
      const serving = this.#ports.isServing(job.plugin);
      if (state.retry && now >= state.retry.at && !state.running) {
        const { attempt, scheduledAt } = state.retry;
        state.retry = null;
        if (serving) started.push(this.#claim(state, "retry", attempt, scheduledAt));
      }
      if (state.deferred !== null && !state.running && !state.retry) {
        const scheduledAt = state.deferred;
        state.deferred = null;
        if (serving) started.push(this.#claim(state, "schedule", 1, scheduledAt));
      }
      if (state.nextRunAt !== null && now >= state.nextRunAt) {
        const scheduledAt = state.nextRunAt;
        // Due times missed while the host was down (or the clock jumped) collapse into one run.
        state.nextRunAt = this.#next(job.schedule, now);
        if (!serving) continue;
        if (!state.running && !state.retry) started.push(this.#claim(state, "schedule", 1, scheduledAt));
        else if (!this.options.lease) this.#skip(state, scheduledAt);
        else {
          // Busy here (a long run, a takeover): another host may be free to claim it now; if
          // none does, this host runs it late rather than leave it to nobody. One waits at most.
          if (state.deferred !== null) this.#skip(state, state.deferred);
          state.deferred = scheduledAt;
        }
      }
    }
    // Tracked, so stop() also waits for takeovers found while it was called.
    const takenOver = this.#track(this.#takeOver());
    return Promise.all([...started, takenOver]).then((runs) => runs.flat().filter((run): run is JobRun => run !== null));
  }

  /**
   * Runs a job now, outside its schedule; resolves with the first attempt (retries follow on
   * their schedule). Refused while the job runs.
   */
  async runNow(plugin: string, id: string, options: { actor?: string } = {}): Promise<JobRun> {
    const state = this.#platform;
    if (!state || options.actor === undefined) return this.#runNow(plugin, id);
    const audit = { actor: options.actor, action: "run-job" as const, plugin, target: id, hostId: this.options.hostId ?? "local" };
    try {
      const run = await this.#runNow(plugin, id);
      await state.audit({ ...audit, outcome: "ok", detail: `run ${run.id}: ${run.status}` });
      return run;
    } catch (error) {
      await state.audit({ ...audit, outcome: "failed", detail: messageOf(error) });
      throw error;
    }
  }

  async #runNow(plugin: string, id: string): Promise<JobRun> {
    this.#sync();
    const state = this.#state(plugin, id);
    if (!this.#ports.isServing(plugin)) throw new JobError("E_PLUGIN_DISABLED", `plugin "${plugin}" is disabled or broken, so its jobs do not run; enable it first (POST /api/v1/plugins/${plugin}/enable)`);
    if (state.running) {
      const since = state.history.last()?.startedAt ?? "earlier";
      throw new JobError("E_JOB_RUNNING", `job "${id}" of plugin "${plugin}" is already running (since ${since}); runs of one job never overlap, so wait for it to finish`);
    }
    state.retry = null;
    return this.#attempt(state, "manual", 1, this.#clock(), null);
  }

  list(plugin?: string): JobView[] {
    this.#sync();
    return [...this.#states.values()]
      .filter((state) => plugin === undefined || state.job.plugin === plugin)
      .sort((a, b) => a.job.plugin.localeCompare(b.job.plugin) || a.job.id.localeCompare(b.job.id))
      .map((state) => this.#view(state));
  }

  job(plugin: string, id: string): JobView {
    this.#sync();
    return this.#view(this.#state(plugin, id));
  }

  /** Runs of one job, oldest first. */
  history(plugin: string, id: string): JobRun[] {
    this.#sync();
    return this.#state(plugin, id).history.list();
  }

  /** Called when a run starts and again when it ends; returns the unsubscribe function. */
  onRun(listener: RunListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Follows the registry: jobs added by discovery or `schedule_job` appear, removed ones go. */
  #sync(): void {
    const now = this.#clock();
    const seen = new Set<string>();
    for (const job of this.#ports.jobs.list()) {
      const key = keyOf(job.plugin, job.id);
      seen.add(key);
      const state = this.#states.get(key);
      if (!state) {
        const history = new JobHistory(this.options.historySize ?? 50);
        history.restore(this.#restored.get(key) ?? []);
        this.#restored.delete(key);
        this.#states.set(key, { job, nextRunAt: this.#next(job.schedule, now), running: false, retry: null, deferred: null, history });
      } else {
        if (state.job.schedule !== job.schedule) state.nextRunAt = this.#next(job.schedule, now);
        state.job = job;
      }
    }
    for (const [key, state] of this.#states) {
      if (!seen.has(key) && !state.running) this.#states.delete(key);
    }
  }

  /** Runs the attempt when this host claims the due time (always, without a lease); null when another host has it. */
  #claim(state: JobState, trigger: JobTrigger, attempt: number, scheduledAt: number): Promise<JobRun | null> {
    const lease = this.options.lease;
    if (!lease) return this.#attempt(state, trigger, attempt, scheduledAt, null);
    // Busy while claiming, so a tick during the claim does not start the job a second time.
    state.running = true;
    return this.#track(
      lease.acquire(state.job, scheduledAt).catch(() => null).then((held) => {
        if (held) return this.#attempt(state, trigger, held.attempt, scheduledAt, held);
        state.running = false;
        return null;
      }),
    );
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
    return work;
  }

  /** Re-runs due times whose host died mid-run, as a retry with the next attempt number. */
  async #takeOver(): Promise<Array<JobRun | null>> {
    const orphans = (await this.options.lease?.orphans().catch(() => [])) ?? [];
    const started: Promise<JobRun | null>[] = [];
    for (const orphan of orphans) {
      const state = this.#states.get(keyOf(orphan.plugin, orphan.job));
      // The lease numbers the attempt: one more than the dead host's.
      if (state && !state.running && this.#ports.isServing(orphan.plugin)) started.push(this.#claim(state, "retry", 0, orphan.scheduledAt));
    }
    return Promise.all(started);
  }

  #attempt(state: JobState, trigger: JobTrigger, attempt: number, scheduledAt: number, lease: HeldJobLease | null): Promise<JobRun> {
    // Marked before the first await, so a second request in the same tick sees it running.
    state.running = true;
    const { job } = state;
    const declared = this.#declared(job);
    const run: JobRun = {
      id: 0,
      plugin: job.plugin,
      job: job.id,
      trigger,
      attempt,
      scheduledAt: iso(scheduledAt),
      startedAt: iso(this.#clock()),
      endedAt: null,
      durationMs: null,
      status: "running",
      result: null,
      error: null,
      retryAt: null,
    };

    const info: JobInfo = { id: job.id, schedule: job.schedule, scheduled_at: iso(scheduledAt), attempt, payload: job.payload ?? null };
    const done = (async () => {
      // A later attempt of a due time whose earlier one is still recorded as running: that
      // attempt's host died (a takeover), so it is marked interrupted.
      if (attempt > 1) await this.#platform?.store.interruptRuns(run.startedAt, { plugin: job.plugin, job: job.id, scheduledAt: run.scheduledAt }).catch(() => 0);
      // Stored before the handler runs, so a kill mid-run leaves the record of the attempt.
      run.id = await this.#store(run);
      state.history.add(run);
      this.#notify(run);
      const started = performance.now();
      const call = this.#ports.call(job.plugin, job.handler, { kind: "job", job: info });
      const response = await withTimeout(call, declared?.timeout_ms, job);
      run.endedAt = iso(this.#clock());
      run.durationMs = Math.round((performance.now() - started) * 100) / 100;
      if (response.error) {
        run.status = "failed";
        run.error = response.error;
        if (attempt <= (declared?.retries ?? 0)) {
          const at = this.#clock() + retryDelayMs(attempt, this.options.retryBaseMs ?? 1000, this.options.retryMaxMs ?? 300_000);
          state.retry = { at, attempt: attempt + 1, scheduledAt };
          run.retryAt = iso(at);
        }
      } else {
        run.status = "succeeded";
        run.result = bodyText(response.body);
      }
      if (run.id > 0) await this.#platform?.store.finishRun({ ...run }).catch((error: unknown) => this.#storeFailed(error));
      this.#notify(run);
      // A timed-out call may still be running on its worker: the job stays busy until it ends.
      await call;
      // Released before the job is free again, so its own retry finds the claim handed back.
      await lease?.release({ ...run }).catch(() => undefined);
      state.running = false;
      return { ...run };
    })();
    this.#pending.add(done);
    void done.finally(() => this.#pending.delete(done));
    return done;
  }

  #skip(state: JobState, scheduledAt: number): void {
    const at = iso(this.#clock());
    const run: JobRun = {
      id: 0,
      plugin: state.job.plugin,
      job: state.job.id,
      trigger: "schedule",
      attempt: 1,
      scheduledAt: iso(scheduledAt),
      startedAt: at,
      endedAt: at,
      durationMs: 0,
      status: "skipped",
      result: null,
      error: { message: "skipped: the previous run had not finished (or was waiting to retry) at this due time; runs of one job never overlap", code: "E_JOB_RUNNING" },
      retryAt: null,
    };
    void this.#track(
      this.#store(run).then((id) => {
        run.id = id;
        state.history.add(run);
        this.#notify(run);
      }),
    );
  }

  /** Stores a new run and returns its id; without platform state, or when the database fails, a local one. */
  async #store(run: JobRun): Promise<number> {
    const state = this.#platform;
    if (!state) return this.#nextRunId++;
    try {
      const { id: _id, ...fields } = run;
      const id = await state.store.insertRun(fields, this.options.hostId ?? "local");
      this.#storeFailing = false;
      return id;
    } catch (error) {
      this.#storeFailed(error);
      // Negative: a run the database does not have, which no stored id can equal.
      return -this.#nextRunId++;
    }
  }

  #storeFailed(error: unknown): void {
    if (this.#storeFailing) return;
    this.#storeFailing = true;
    this.#ports.logs.write(MANAGER_LOG, "error", `job runs could not be stored in the database, so they are kept in memory only until it answers: ${messageOf(error)}`);
  }

  /** The manifest's declaration of a job, for its retries and time limit. */
  #declared(job: ScheduledJob): Job | undefined {
    if (job.source !== "manifest") return undefined;
    return this.#ports.manifest(job.plugin)?.jobs?.find((j) => j.id === job.id);
  }

  #state(plugin: string, id: string): JobState {
    const state = this.#states.get(keyOf(plugin, id));
    if (state) return state;
    const ids = [...this.#states.values()].filter((s) => s.job.plugin === plugin).map((s) => s.job.id).sort();
    throw new JobError("E_UNKNOWN_JOB", `plugin "${plugin}" has no job "${id}"; its jobs: ${ids.join(", ") || "none"}`);
  }

  #view(state: JobState): JobView {
    const { job } = state;
    const declared = this.#declared(job);
    return {
      plugin: job.plugin,
      id: job.id,
      handler: job.handler,
      schedule: job.schedule,
      source: job.source,
      payload: job.payload ?? null,
      description: declared?.description ?? null,
      retries: declared?.retries ?? 0,
      timeoutMs: declared?.timeout_ms ?? null,
      nextRunAt: state.nextRunAt === null ? null : iso(state.nextRunAt),
      running: state.running,
      retryAt: state.retry ? iso(state.retry.at) : null,
      paused: !this.#ports.isServing(job.plugin),
      lastRun: state.history.last(),
    };
  }

  #next(schedule: string, after: number): number | null {
    try {
      return nextRunOf(schedule, new Date(after))?.getTime() ?? null;
    } catch {
      return null;
    }
  }

  #notify(run: JobRun): void {
    for (const listener of this.#listeners) {
      try {
        listener({ ...run });
      } catch {
        // A broken listener (a closed stream) must not stop the scheduler.
      }
    }
  }

  #clock(): number {
    return this.#ports.now();
  }
}
