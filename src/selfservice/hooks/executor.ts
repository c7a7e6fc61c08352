import type { FlowKind } from '../flow/flow.js';
import { CONTINUE, type Hook, type HookContext, type HookOutcome, type HookPhase } from './hook.js';

/** The hooks of one flow: `before` ones, and the `after` ones of each method (Kratos's replacement rule applied). */
export interface FlowHooks {
  before: readonly Hook[];
  /** The after hooks for a method (null: flows without methods, recovery and verification). */
  after(method: string | null): readonly Hook[];
}

/**
 * Runs a flow's hooks in their phases, in the configured order, stopping at the first that
 * interrupts. One executor per flow kind, built once from the configuration.
 */
export class HookExecutor {
  constructor(
    readonly kind: FlowKind,
    private readonly hooks: FlowHooks,
  ) {}

  /** The `before` hooks, at flow creation. An interrupt there refuses to create the flow. */
  async before(ctx: HookContext): Promise<HookOutcome> {
    return this.runAll(this.hooks.before, ctx);
  }

  /** The after hooks of `ctx.method` that run in `phase`. */
  async after(phase: Exclude<HookPhase, 'before'>, ctx: HookContext): Promise<HookOutcome> {
    return this.runAll(
      this.hooks.after(ctx.method).filter((h) => h.phase === phase),
      ctx,
    );
  }

  /** Whether a hook of this name runs after `method` (for answers that depend on it, as `session`). */
  has(method: string | null, name: string): boolean {
    return this.hooks.after(method).some((h) => h.name === name);
  }

  private async runAll(list: readonly Hook[], ctx: HookContext): Promise<HookOutcome> {
    for (const hook of list) {
      const outcome = await hook.run(ctx);
      if (outcome.kind !== 'continue') return outcome;
    }
    return CONTINUE;
  }
}
