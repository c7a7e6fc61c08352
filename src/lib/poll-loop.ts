/**
 * Runs `round` over and over: at once again while it finds work, after `waitMs` when it finds none
 * (or `wake()` is called). A failing round (the database is away) is reported once and retried
 * after pauses that grow to 30 s while it keeps failing, so an outage neither floods the log nor
 * hammers the database; the loop resumes by itself. Queue workers
 * (web hook deliveries; the courier's worker has the same shape) are built on it.
 */
export class PollLoop {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  /** `onError` hears of the first failed round of an outage; `onRecover` of the first good round after it. */
  constructor(
    private readonly round: () => Promise<number>,
    private readonly waitMs: number,
    private readonly onError: (err: unknown) => void,
    private readonly onRecover: (failedRounds: number) => void = () => {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops; resolves once the round in progress is finished. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    this.loop = null;
  }

  /** Ends the current pause early. */
  wake(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    let failedRounds = 0;
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.round();
        if (failedRounds > 0) this.onRecover(failedRounds);
        failedRounds = 0;
      } catch (err) {
        failedRounds += 1;
        if (failedRounds === 1) this.onError(err);
      }
      if (handled === 0 && this.running) {
        const waitMs = failedRounds === 0 ? this.waitMs : Math.min(30_000, Math.max(this.waitMs, 250 * 2 ** Math.min(failedRounds, 7)));
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, waitMs);
          this.wakeUp = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wakeUp = null;
      }
    }
  }
}

/** Exponential backoff for the `attempt`-th failure (1-based), capped, with "equal jitter" (half fixed, half random). */
export function jitteredBackoff(attempt: number, baseMs: number, maxMs: number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}
