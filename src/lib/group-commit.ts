/**
 * Group commit: items handed in while a commit is under way are committed together by the next
 * one, so N writers need far fewer than N round trips, yet each item is written as soon as the
 * database is free, at the latest at the end of the event-loop turn it came in (no timer, no batch
 * to fill). `add` resolves once its item's commit finished;
 * a failed commit is reported with its items and `add` still resolves (the caller's data stays as
 * it was, e.g. a leased message that is claimed again later).
 */
export class GroupCommit<T> {
  private waiting: Array<{ item: T; done: () => void }> = [];
  private committing = false;

  constructor(
    private readonly commit: (items: T[]) => Promise<void>,
    private readonly onError: (err: unknown, items: T[]) => void,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((done) => {
      this.waiting.push({ item, done });
      if (!this.committing) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.committing = true;
    // Items that arrive in this turn of the event loop join the first commit. An in-process
    // database (SQLite) commits before the next I/O event, so without this every group would hold
    // one item: results that arrive together (replies read in one poll) are written together.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      const items = group.map((g) => g.item);
      try {
        await this.commit(items);
      } catch (err) {
        this.onError(err, items);
      }
      for (const g of group) g.done();
    }
    this.committing = false;
  }
}
