/** The stop signals a run listens to: Ctrl+C and a polite termination request. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/**
 * Where stop signals come from. `process` fits as it is; tests pass a plain `EventEmitter`
 * and `emit('SIGINT')` to interrupt a run held in the same process.
 */
export interface SignalSource {
  /** Starts calling `listener` whenever `signal` arrives. */
  on(signal: StopSignal, listener: () => void): unknown;
  /** Stops calling `listener`. */
  off(signal: StopSignal, listener: () => void): unknown;
}
