/** The fault registry: rules added at start or at run time, matched against NodeClaims and containers. */
import { globMatch } from "./match.ts";
import type { NodeClaimFaultRule, NodeFaultRule, PodFaultRule, SimFaultRule, SimFaults } from "./types.ts";

/** A registry of injected faults with lookups for the controllers. */
export class FaultRegistry implements SimFaults {
  readonly #rules = new Map<string, SimFaultRule>();
  readonly #onChange: () => void;
  #next = 1;

  constructor(onChange: () => void = () => {}) {
    this.#onChange = onChange;
  }

  addNodeClaimFault(rule: NodeClaimFaultRule): string {
    const id = `nodeclaim-fault-${this.#next++}`;
    this.#rules.set(id, { ...rule });
    this.#onChange();
    return id;
  }

  addPodFault(rule: PodFaultRule): string {
    const id = `pod-fault-${this.#next++}`;
    this.#rules.set(id, { ...rule });
    this.#onChange();
    return id;
  }

  addNodeFault(rule: NodeFaultRule): string {
    const id = `node-fault-${this.#next++}`;
    this.#rules.set(id, { ...rule });
    this.#onChange();
    return id;
  }

  remove(id: string): boolean {
    const removed = this.#rules.delete(id);
    if (removed) this.#onChange();
    return removed;
  }

  clear(): void {
    this.#rules.clear();
    this.#onChange();
  }

  list(): Array<{ id: string; rule: SimFaultRule }> {
    return [...this.#rules].map(([id, rule]) => ({ id, rule: { ...rule } }));
  }

  /** The first NodeClaim fault matching the claim name and instance type. */
  nodeClaimFault(nodeClaim: string, instanceType: string): NodeClaimFaultRule | undefined {
    for (const rule of this.#rules.values()) {
      if (rule.kind !== "quota" && rule.kind !== "unavailable") continue;
      if (rule.nodeClaim !== undefined && !globMatch(rule.nodeClaim, nodeClaim)) continue;
      if (rule.instanceType !== undefined && !globMatch(rule.instanceType, instanceType, true)) continue;
      return rule;
    }
    return undefined;
  }

  /** The first NodeNotReady fault matching a node name. */
  nodeFault(node: string): NodeFaultRule | undefined {
    for (const rule of this.#rules.values()) {
      if (rule.kind === "NodeNotReady" && globMatch(rule.node, node)) return rule;
    }
    return undefined;
  }

  /** The first pod fault of one of `kinds` matching the pod and container. */
  podFault(
    target: { namespace: string; pod: string; container?: string; image?: string },
    kinds: readonly PodFaultRule["kind"][],
  ): PodFaultRule | undefined {
    for (const rule of this.#rules.values()) {
      if (!isPodRule(rule) || !kinds.includes(rule.kind)) continue;
      if (rule.namespace !== undefined && rule.namespace !== target.namespace) continue;
      if (rule.pod !== undefined && !globMatch(rule.pod, target.pod)) continue;
      if (
        rule.container !== undefined &&
        (target.container === undefined || !globMatch(rule.container, target.container))
      )
        continue;
      if (rule.image !== undefined && (target.image === undefined || !globMatch(rule.image, target.image))) continue;
      return rule;
    }
    return undefined;
  }
}

function isPodRule(rule: SimFaultRule): rule is PodFaultRule {
  return rule.kind !== "quota" && rule.kind !== "unavailable" && rule.kind !== "NodeNotReady";
}
