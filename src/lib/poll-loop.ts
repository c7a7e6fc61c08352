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

  constructor(
    private readonly round: () => Promise<number>,
    private readonly waitMs: number,
    private readonly onError: (err: unknown) => void,
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
    let failures = 0;
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.round();
        failures = 0;
      } catch (err) {
        if (failures === 0) this.onError(err);
        failures += 1;
      }
      if (handled === 0 && this.running) {
        const waitMs = failures === 0 ? this.waitMs : Math.min(30_000, Math.max(this.waitMs, 250 * 2 ** Math.min(failures, 7)));
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
