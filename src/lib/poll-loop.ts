/**
 * Runs `round` over and over: at once again while it finds work, after `waitMs` when it finds none
 * (or `wake()` is called). A failing round is reported and retried after the pause. Queue workers
 * (web hook deliveries, the courier) are built on it.
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
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.round();
      } catch (err) {
        this.onError(err);
      }
      if (handled === 0 && this.running) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.waitMs);
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
