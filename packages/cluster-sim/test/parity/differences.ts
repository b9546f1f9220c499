/**
 * The differences between cluster-sim and the real kube-apiserver that the parity suite knows about. Each has a row in
 * `packages/cluster-sim/FIDELITY.md` (checked by `fidelity.test.ts`) saying why it does not matter to our users or who
 * fixes it. A test that meets one asserts cluster-sim's documented answer on cluster-sim and the real answer on the
 * real server — so the test fails the day cluster-sim is fixed, and the row is removed with it.
 */
import type { BackendName } from "./backends.ts";

/** A known difference: its id (the FIDELITY.md anchor) and what it is. */
export interface Difference {
  readonly id: string;
  readonly summary: string;
}

/** Every known difference, by id. */
export const DIFFERENCES = {
  "crd-cel-compile-checks": {
    id: "crd-cel-compile-checks",
    summary: "a CRD whose CEL rules exceed the estimated cost budget is accepted",
  },
  "builtin-managed-fields": {
    id: "builtin-managed-fields",
    summary:
      "a created Service's or Job's managedFields: the creator also owns what the real server sets after its field manager",
  },
} as const satisfies Record<string, Difference>;

/** The id of a known difference. */
export type DifferenceId = keyof typeof DIFFERENCES;

/**
 * The answer a backend is expected to give: the real server's, or — on cluster-sim, for a documented difference —
 * cluster-sim's.
 */
export function expectedOn<T>(
  backend: BackendName,
  real: T,
  difference?: { id: DifferenceId | readonly DifferenceId[]; clusterSim: T },
): T {
  return backend === "cluster-sim" && difference !== undefined ? difference.clusterSim : real;
}
