/** Progress of a plugin build, for a CLI to show: a build takes 10 to 20 s, mostly componentizing. */

export type BuildStep = "check" | "typecheck" | "bundle" | "componentize" | "extism-js" | "goatflow" | "write";

export interface BuildProgress {
  step: BuildStep;
  /** `start` and `done` once per step; `running` about every second while a long step works. */
  status: "start" | "running" | "done";
  message: string;
  /** Since the build started. */
  elapsedMs: number;
}

export type ProgressListener = (event: BuildProgress) => void;

/** Reports steps to a listener, with the build's elapsed time. */
export class ProgressReporter {
  readonly #started = Date.now();

  constructor(private readonly listener: ProgressListener = () => {}) {}

  get elapsedMs(): number {
    return Date.now() - this.#started;
  }

  /** Runs one step, reporting its start, a tick about every second, and its end. */
  async step<T>(step: BuildStep, message: string, work: () => Promise<T>): Promise<T> {
    this.#emit(step, "start", message);
    const stepStarted = Date.now();
    const ticker = setInterval(() => this.#emit(step, "running", `${message} (${Math.round((Date.now() - stepStarted) / 1000)} s)`), 1000);
    try {
      const result = await work();
      this.#emit(step, "done", `${message}: done in ${Date.now() - stepStarted} ms`);
      return result;
    } finally {
      clearInterval(ticker);
    }
  }

  /** Reports a step that did not run, and why. */
  note(step: BuildStep, message: string): void {
    this.#emit(step, "done", message);
  }

  #emit(step: BuildStep, status: BuildProgress["status"], message: string): void {
    this.listener({ step, status, message, elapsedMs: this.elapsedMs });
  }
}
