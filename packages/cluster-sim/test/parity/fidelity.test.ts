/** FIDELITY.md and the differences the parity suite knows stay in step: a row for each, and no row without one. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DIFFERENCES } from "./differences.ts";

const fidelity = readFileSync(join(import.meta.dirname, "..", "..", "FIDELITY.md"), "utf8");
const rows = [...fidelity.matchAll(/^\| <a id="([a-z0-9-]+)"><\/a>`\1` \|/gm)].map((m) => m[1] ?? "");

describe("FIDELITY.md", () => {
  it.each(Object.keys(DIFFERENCES))("has a row for the difference %s", (id) => {
    expect(rows).toContain(id);
  });

  it("has no row for a difference the tests do not know", () => {
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((id) => !(id in DIFFERENCES))).toEqual([]);
  });

  it("names every parity test file", () => {
    for (const file of ["kubectl", "client-node", "lifecycle", "cluster-sim-only"])
      expect(fidelity).toContain(`test/parity/${file}.test.ts`);
    expect(fidelity).toContain("packages/operator/test/parity/seed-flow.test.ts");
  });
});
