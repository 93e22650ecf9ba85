/** Built-in simulator profile for `--simulate` and the demo: realistic latency, roomy limits. */
export const SIMULATE_PROFILE = { rpm: 3000, tpm: 2_000_000, latencyMs: 120, latencyJitterMs: 80, seed: 7 } as const;
