/**
 * A last-in, first-out stack of release steps for the resources a run opens (files, servers,
 * pools, locks). Each opening registers its release right away with {@link DisposalStack.defer},
 * so however the run ends, what was opened is released, in reverse order.
 * See docs/architecture.md ("shutdown").
 */

/** One release step: may be synchronous or asynchronous. */
export type ReleaseStep = () => void | Promise<void>;

/** Called when a release step throws; the remaining steps still run. */
export type ReleaseFailureHandler = (label: string, error: unknown) => void;

/** Releases resources in the reverse order of their opening; a failing step never stops the others. */
export class DisposalStack {
  readonly #steps: { label: string; release: ReleaseStep }[] = [];
  readonly #onFailure: ReleaseFailureHandler;
  #disposed = false;

  /** @param onFailure told about every release step that throws (the run warns and goes on) */
  constructor(onFailure: ReleaseFailureHandler) {
    this.#onFailure = onFailure;
  }

  /** Number of release steps still registered. */
  get size(): number {
    return this.#steps.length;
  }

  /**
   * Registers `release` to run when the stack is disposed, before every step registered earlier.
   * @param label names the resource in the warning when its release fails
   */
  defer(release: ReleaseStep, label = 'resource'): void {
    if (this.#disposed) {
      throw new TypeError(`Expected an open disposal stack, got one already disposed (while deferring "${label}")`);
    }
    this.#steps.push({ label, release });
  }

  /** Runs every registered step, last registered first. Never throws; calling it again does nothing. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    for (let step = this.#steps.pop(); step !== undefined; step = this.#steps.pop()) {
      try {
        await step.release();
      } catch (error) {
        this.#onFailure(step.label, error);
      }
    }
  }
}
