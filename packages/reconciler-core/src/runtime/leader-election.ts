/**
 * Leader election on a `coordination.k8s.io/v1` Lease, with client-go's algorithm and controller-runtime's
 * defaults (lease 15 s, renew deadline 10 s, retry 2 s):
 * - acquire: GET the Lease; create it when absent; take it over when its holder is empty or has not renewed for
 *   `leaseDuration` as observed by this replica's clock (never trusting another replica's clock); UPDATE with the
 *   read resourceVersion, so two candidates cannot both win (one gets 409);
 * - renew every `retryPeriod`; a leader that has not renewed within `renewDeadline` stops leading;
 * - fencing: {@link LeaderElector.canWrite} is true only while the last successful renewal is younger than the
 *   renew deadline — the REST client consults it before every write, so a replica that lost (or cannot renew) the
 *   lease stops writing even before its loop notices;
 * - release on stop: the holder is set empty, so another replica takes over at once.
 */
import { isReconcilerError } from "../errors.ts";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";
import { type RuntimeLogger, silentLogger } from "./logger.ts";
import { emitMetric, type RuntimeMetrics } from "./metrics.ts";
import { type KubeObject, Resources } from "./resources.ts";
import type { KubeClient, WriteGuard } from "./rest-client.ts";

/** Options of {@link LeaderElector}. */
export interface LeaderElectionOptions {
  /** A client that is NOT guarded by this elector (Lease writes must work while not leading). */
  readonly client: KubeClient;
  readonly namespace: string;
  /** Lease name, e.g. `kaito-ts-workspace-controller`. */
  readonly name: string;
  /** This replica's identity (default `<hostname>_<random>`). */
  readonly identity?: string;
  /** Default 15,000. */
  readonly leaseDurationMs?: number;
  /** Default 10,000. */
  readonly renewDeadlineMs?: number;
  /** Default 2,000. */
  readonly retryPeriodMs?: number;
  /** Release the lease on {@link LeaderElector.stop} (default true). */
  readonly releaseOnCancel?: boolean;
  readonly onStartedLeading?: () => void;
  /** Called once when leadership is lost (not when released by `stop`). */
  readonly onStoppedLeading?: () => void;
  /** Called when the observed holder changes. */
  readonly onNewLeader?: (identity: string) => void;
  readonly clock?: Clock;
  readonly metrics?: RuntimeMetrics;
  readonly logger?: RuntimeLogger;
}

/** The Lease spec fields. */
interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** `metav1.MicroTime` wire format: RFC 3339 with 6 fractional digits (a plain ISO string is rejected). */
export function toMicroTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-01-02T03:04:05.678Z
  return `${iso.slice(0, 23)}000Z`;
}

function defaultIdentity(): string {
  const host = process.env.POD_NAME ?? process.env.HOSTNAME ?? "kaito-ts";
  return `${host}_${globalThis.crypto.randomUUID()}`;
}

/** The state of an elector. */
export type LeaderState = "idle" | "candidate" | "leading" | "lost" | "stopped";

/**
 * A leader elector; it is also the {@link WriteGuard} of the client the controllers write with.
 * @example
 * const elector = new LeaderElector({ client: leaseClient, namespace: "kaito", name: "kaito-ts",
 *   onStartedLeading: () => controllers.start(), onStoppedLeading: () => process.exit(1) });
 * elector.start();
 */
export class LeaderElector implements WriteGuard {
  readonly identity: string;
  readonly #client: KubeClient;
  readonly #ns: string;
  readonly #name: string;
  readonly #leaseMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryMs: number;
  readonly #release: boolean;
  readonly #opts: LeaderElectionOptions;
  readonly #clock: Clock;
  readonly #log: RuntimeLogger;
  #state: LeaderState = "idle";
  #lastRenew = Number.NEGATIVE_INFINITY;
  #observed: { holder: string; renewTime: string; at: number } | undefined;
  #lastLeader = "";
  #timer: TimerHandle | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(opts: LeaderElectionOptions) {
    this.#opts = opts;
    this.#client = opts.client;
    this.#ns = opts.namespace;
    this.#name = opts.name;
    this.identity = opts.identity ?? defaultIdentity();
    this.#leaseMs = opts.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.#retryMs = opts.retryPeriodMs ?? 2_000;
    this.#release = opts.releaseOnCancel ?? true;
    this.#clock = opts.clock ?? systemClock;
    this.#log = opts.logger ?? silentLogger;
    if (!(this.#leaseMs > this.#renewDeadlineMs && this.#renewDeadlineMs > this.#retryMs)) {
      throw new Error(
        `leader election: need leaseDuration (${this.#leaseMs}) > renewDeadline (${this.#renewDeadlineMs}) > retryPeriod (${this.#retryMs})`,
      );
    }
  }

  /** Current state. */
  get state(): LeaderState {
    return this.#state;
  }

  /** The holder last seen on the Lease ("" when none). */
  get observedLeader(): string {
    return this.#lastLeader;
  }

  /** True while this replica leads and its last renewal is within the renew deadline. */
  isLeader(): boolean {
    return this.#state === "leading" && this.#clock.now() - this.#lastRenew < this.#renewDeadlineMs;
  }

  /** {@link WriteGuard}: writes are allowed only while {@link LeaderElector.isLeader}. */
  canWrite(): boolean {
    return this.isLeader();
  }

  /** {@link WriteGuard}: why writes are refused. */
  refusal(): string {
    if (this.#state === "leading") {
      return `the leader Lease ${this.#ns}/${this.#name} was not renewed within ${this.#renewDeadlineMs} ms; this replica stops writing`;
    }
    return `this replica (${this.identity}) does not hold the leader Lease ${this.#ns}/${this.#name}${this.#lastLeader !== "" ? ` (held by ${this.#lastLeader})` : ""}`;
  }

  /** Start campaigning (idempotent). */
  start(): void {
    if (this.#state !== "idle") return;
    this.#state = "candidate";
    this.#tick(0);
  }

  /** Stop; a leader releases the Lease (holder set empty) unless `releaseOnCancel` is false. */
  async stop(): Promise<void> {
    const wasLeading = this.#state === "leading";
    this.#state = "stopped";
    this.#timer?.cancel();
    await this.#inFlight;
    if (wasLeading) emitMetric(this.#opts.metrics?.leaderStatus, this.#name, false);
    if (wasLeading && this.#release) {
      try {
        await this.#releaseLease();
      } catch (e) {
        this.#log.warn({ err: e, lease: `${this.#ns}/${this.#name}` }, "could not release the leader Lease");
      }
    }
  }

  #tick(delayMs: number): void {
    if (this.#state === "stopped" || this.#state === "lost") return;
    this.#timer = this.#clock.setTimer(delayMs, () => {
      this.#inFlight = this.#round().finally(() => {
        this.#inFlight = undefined;
      });
    });
  }

  async #round(): Promise<void> {
    if (this.#state === "stopped" || this.#state === "lost") return;
    let ok = false;
    try {
      ok = await this.#tryAcquireOrRenew();
    } catch (e) {
      this.#log.debug({ err: e, lease: `${this.#ns}/${this.#name}` }, "leader Lease round failed");
      ok = false;
    }
    // `stop()` may have run while the request was in flight.
    if ((this.#state as LeaderState) === "stopped") return;
    const now = this.#clock.now();
    if (ok) {
      this.#lastRenew = now;
      if (this.#state === "candidate") {
        this.#state = "leading";
        this.#log.info({ identity: this.identity, lease: `${this.#ns}/${this.#name}` }, "became the leader");
        emitMetric(this.#opts.metrics?.leaderStatus, this.#name, true);
        this.#opts.onStartedLeading?.();
      }
    } else if (this.#state === "leading" && now - this.#lastRenew >= this.#renewDeadlineMs) {
      this.#state = "lost";
      this.#log.error({ identity: this.identity, lease: `${this.#ns}/${this.#name}` }, "lost leadership");
      emitMetric(this.#opts.metrics?.leaderStatus, this.#name, false);
      this.#opts.onStoppedLeading?.();
      return;
    }
    // Candidates retry with client-go's jitter (retryPeriod · [1, 2)); leaders renew every retryPeriod.
    this.#tick(this.#state === "leading" ? this.#retryMs : this.#retryMs * (1 + Math.random()));
  }

  #observe(spec: LeaseSpec): void {
    const holder = spec.holderIdentity ?? "";
    const renewTime = spec.renewTime ?? "";
    if (this.#observed === undefined || this.#observed.holder !== holder || this.#observed.renewTime !== renewTime) {
      this.#observed = { holder, renewTime, at: this.#clock.now() };
    }
    if (holder !== this.#lastLeader) {
      this.#lastLeader = holder;
      if (holder !== "") this.#opts.onNewLeader?.(holder);
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = this.#clock.now();
    const lease = await this.#client.get(Resources.Lease, this.#ns, this.#name);
    const leaseSeconds = Math.ceil(this.#leaseMs / 1000);
    if (lease === undefined) {
      const body: KubeObject = {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: this.#name, namespace: this.#ns },
        spec: {
          holderIdentity: this.identity,
          leaseDurationSeconds: leaseSeconds,
          acquireTime: toMicroTime(now),
          renewTime: toMicroTime(now),
          leaseTransitions: 0,
        } satisfies LeaseSpec,
      };
      try {
        await this.#client.create(Resources.Lease, body);
      } catch (e) {
        if (isReconcilerError(e) && (e.code === "ALREADY_EXISTS" || e.code === "CONFLICT")) return false;
        throw e;
      }
      this.#observe(body.spec as LeaseSpec);
      return true;
    }
    const spec = (lease.spec ?? {}) as LeaseSpec;
    this.#observe(spec);
    const holder = spec.holderIdentity ?? "";
    const observedAt = this.#observed?.at ?? now;
    const heldByOther = holder !== "" && holder !== this.identity;
    if (heldByOther && observedAt + this.#leaseMs > now) return false;
    const acquiring = holder !== this.identity;
    const next: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: leaseSeconds,
      acquireTime: acquiring ? toMicroTime(now) : (spec.acquireTime ?? toMicroTime(now)),
      renewTime: toMicroTime(now),
      leaseTransitions: acquiring ? (spec.leaseTransitions ?? 0) + 1 : (spec.leaseTransitions ?? 0),
    };
    try {
      await this.#client.replace(Resources.Lease, { ...lease, spec: next });
    } catch (e) {
      if (isReconcilerError(e) && e.code === "CONFLICT") return false;
      throw e;
    }
    this.#observe(next);
    return true;
  }

  async #releaseLease(): Promise<void> {
    const lease = await this.#client.get(Resources.Lease, this.#ns, this.#name);
    const spec = (lease?.spec ?? {}) as LeaseSpec;
    if (lease === undefined || spec.holderIdentity !== this.identity) return;
    const now = toMicroTime(this.#clock.now());
    await this.#client.replace(Resources.Lease, {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: "",
        leaseDurationSeconds: 1,
        renewTime: now,
        acquireTime: now,
      } satisfies LeaseSpec,
    });
  }
}
