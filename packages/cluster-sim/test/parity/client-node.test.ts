/**
 * The real `@kubernetes/client-node` 2.0 against both backends: KubernetesObjectApi, the Status of each error, status
 * patches, Lease optimistic concurrency, server-side apply conflicts, watches from a resourceVersion and 410 Gone,
 * and an informer that relists after 410.
 *
 * To reach 410 on the real server the way a long-running controller meets it, its watch cache is off
 * (`--watch-cache=false`: watches read etcd), the API server compacts etcd every 2 s and ends watches after 3–6 s
 * (`--min-request-timeout=3`); a watch from a compacted resourceVersion is then 410 Expired. cluster-sim gets there
 * through its fault injector (`faults.compact`, `faults.dropWatches`).
 */
import * as k8s from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { eventually } from "../clients/kubectl-runner.ts";
import { describeBackends, Observations, type RunningBackend } from "./backends.ts";
import { expectedOn } from "./differences.ts";
import { apiError, gadgetCrd, widgetCrd } from "./support.ts";

const CEL_SKIPPED =
  "<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";

const seen = new Observations();

type WidgetObject = {
  apiVersion: string;
  kind: string;
  metadata: k8s.V1ObjectMeta & { name: string; namespace: string };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
};

const widget = (name: string, spec: Record<string, unknown> = { size: "small" }): WidgetObject => ({
  apiVersion: "demo.example.com/v1",
  kind: "Widget",
  metadata: { name, namespace: "default" },
  spec,
});

const WIDGETS = { group: "demo.example.com", version: "v1", namespace: "default", plural: "widgets" };
const PATH = "/apis/demo.example.com/v1/namespaces/default/widgets";

/** Collects the events of one watch until `stop()`. */
function watchEvents(b: RunningBackend, path: string, query: Record<string, string>) {
  const events: {
    type: string;
    object: k8s.KubernetesObject & { code?: number; reason?: string; message?: string };
  }[] = [];
  let ended: unknown = null;
  const controller = new k8s.Watch(b.kubeConfig).watch(
    path,
    query,
    (type, object) => events.push({ type, object }),
    (err) => {
      ended = err ?? "done";
    },
  );
  return {
    events,
    ended: () => ended,
    async stop() {
      (await controller).abort();
    },
  };
}

describeBackends(
  "client-node",
  {
    crds: [widgetCrd(), gadgetCrd()],
    apiServerFlags: ["--watch-cache=false", "--etcd-compaction-interval=2s", "--min-request-timeout=3"],
  },
  (b) => {
    const objects = () => b().objects;
    const custom = () => b().kubeConfig.makeApiClient(k8s.CustomObjectsApi);

    describe("KubernetesObjectApi", () => {
      it("create, read with defaults, merge patch, server-side apply, replace, stale replace, delete", async () => {
        const created = await objects().create(widget("o1"));
        expect(created.metadata?.uid).toBeTruthy();
        const read = (await objects().read(widget("o1"))) as WidgetObject;
        expect(read.spec).toEqual({ size: "small", replicas: 1, color: "blue" });

        const patched = (await objects().patch(
          widget("o1", { size: "large" }),
          undefined,
          undefined,
          "test",
          undefined,
          k8s.PatchStrategy.MergePatch,
        )) as WidgetObject;
        expect(patched.spec).toMatchObject({ size: "large" });

        const applied = await objects().patch(
          widget("o2", { size: "huge", replicas: 2 }),
          undefined,
          undefined,
          "ssa-test",
          true,
          k8s.PatchStrategy.ServerSideApply,
        );
        expect(applied.metadata?.managedFields?.map((m) => `${m.manager}/${m.operation}`)).toEqual(["ssa-test/Apply"]);

        const current = await objects().read(widget("o1"));
        const replaced = (await objects().replace({
          ...current,
          spec: { size: "small", replicas: 3 },
        } as k8s.KubernetesObject)) as WidgetObject;
        expect(replaced.spec).toEqual({ size: "small", replicas: 3, color: "blue" });

        const conflict = apiError(
          await objects()
            .replace({ ...current, spec: { size: "huge" } } as k8s.KubernetesObject)
            .catch((e: unknown) => e),
        );
        expect(conflict).toMatchObject({
          code: 409,
          reason: "Conflict",
          message:
            'Operation cannot be fulfilled on widgets.demo.example.com "o1": the object has been modified; please apply your changes to the latest version and try again',
        });

        const deleted = await objects().delete(widget("o1"));
        expect(deleted).toEqual({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Success",
          details: { name: "o1", group: "demo.example.com", kind: "widgets", uid: created.metadata?.uid },
        });
        const gone = apiError(
          await objects()
            .read(widget("o1"))
            .catch((e: unknown) => e),
        );
        expect(gone.code).toBe(404);
      });

      it("the default strategic merge patch on a custom resource is 415", async () => {
        await objects().create(widget("o3"));
        const e = apiError(
          await objects()
            .patch(widget("o3", { size: "large" }))
            .catch((err: unknown) => err),
        );
        expect(e).toMatchObject({ code: 415, reason: "UnsupportedMediaType" });
        expect(e.message).toBe(
          "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        );
      });

      it("errors are Status objects: NotFound, AlreadyExists, Invalid with field causes", async () => {
        const nf = apiError(
          await objects()
            .read(widget("missing"))
            .catch((e: unknown) => e),
        );
        expect(nf).toMatchObject({
          code: 404,
          reason: "NotFound",
          message: 'widgets.demo.example.com "missing" not found',
          details: { name: "missing", group: "demo.example.com", kind: "widgets" },
        });
        const dup = apiError(
          await objects()
            .create(widget("o3"))
            .catch((e: unknown) => e),
        );
        expect(dup).toMatchObject({
          code: 409,
          reason: "AlreadyExists",
          message: 'widgets.demo.example.com "o3" already exists',
          details: { name: "o3", group: "demo.example.com", kind: "widgets" },
        });
        const inv = apiError(
          await objects()
            .create(widget("o4", { size: "tiny" }))
            .catch((e: unknown) => e),
        );
        expect(inv).toMatchObject({ code: 422, reason: "Invalid" });
        const sizeError = 'spec.size: Unsupported value: "tiny": supported values: "small", "large", "huge"';
        expect(inv.message).toBe(`Widget.demo.example.com "o4" is invalid: [${sizeError}, ${CEL_SKIPPED}]`);
        expect((inv.details as { causes: unknown[] }).causes[0]).toEqual({
          reason: "FieldValueNotSupported",
          message: 'Unsupported value: "tiny": supported values: "small", "large", "huge"',
          field: "spec.size",
        });
        const two = apiError(
          await objects()
            .create(widget("o4", { size: "tiny", replicas: -1 }))
            .catch((e: unknown) => e),
        );
        // (the real server's order of schema errors follows Go map iteration: compare them sorted)
        const twoCauses = (two.details as { causes: { field: string }[] }).causes ?? [];
        expect(twoCauses.map((c) => c.field).sort()).toEqual([".spec.replicas", "<nil>", "spec.replicas", "spec.size"]);
        expect(twoCauses.find((c) => c.field === ".spec.replicas")).toEqual({
          reason: "FieldValueInvalid",
          message: "Invalid value: -1: should be a non-negative integer",
          field: ".spec.replicas",
        });
        expect(twoCauses.at(-1)).toEqual({
          reason: "FieldValueInvalid",
          message:
            "Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
          field: "<nil>",
        });
        const cel = apiError(
          await objects()
            .create(widget("o5", { size: "huge", replicas: 9 }))
            .catch((e: unknown) => e),
        );
        expect(cel.details).toEqual({
          name: "o5",
          group: "demo.example.com",
          kind: "Widget",
          causes: [
            {
              reason: "FieldValueInvalid",
              message: "Invalid value: huge widgets are limited to 3 replicas",
              field: "spec",
            },
          ],
        });
      });

      it.each([
        {
          spec: { mode: "bad" },
          causes: [
            { reason: "FieldValueInvalid", message: 'Invalid value: "bad": mode must not be bad', field: "spec.mode" },
          ],
        },
        {
          spec: { count: 12 },
          causes: [
            { reason: "FieldValueInvalid", message: "Invalid value: 12: failed rule: self < 10", field: "spec.count" },
          ],
        },
        {
          spec: { tags: ["a", "b"] },
          causes: [{ reason: "FieldValueInvalid", message: "Invalid value: too many tags: a", field: "spec.tags" }],
        },
        {
          spec: { alpha: "x" },
          causes: [{ reason: "FieldValueForbidden", message: "Forbidden: alpha x forbidden", field: "spec" }],
        },
        {
          spec: { zeta: "r" },
          causes: [{ reason: "FieldValueRequired", message: "Required value: zeta required", field: "spec.zeta" }],
        },
        {
          // a schema error that does not block the CEL rules (a minimum): they run, and no note is added
          spec: { level: -1, count: 12 },
          causes: [
            {
              reason: "FieldValueInvalid",
              message: "Invalid value: -1: spec.level in body should be greater than or equal to 0",
              field: "spec.level",
            },
            { reason: "FieldValueInvalid", message: "Invalid value: 12: failed rule: self < 10", field: "spec.count" },
          ],
        },
        {
          // a blocking one (too long): the rules are skipped, with the note
          spec: { zeta: "toolong", count: 12 },
          causes: [
            { reason: "FieldValueTooLong", message: "Too long: may not be more than 5 bytes", field: "spec.zeta" },
            {
              reason: "FieldValueInvalid",
              message:
                "Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
              field: "<nil>",
            },
          ],
        },
        {
          spec: { zeta: "n" },
          causes: [
            {
              reason: "FieldValueInvalid",
              message: `Invalid value: "object": no such key: alpha evaluating rule: !has(self.zeta) || self.zeta != 'n' || self.alpha == 'q'`,
              field: "spec",
            },
          ],
        },
      ])("a CEL rule fails on $spec: the cause as the real server words it", async ({ spec, causes }) => {
        const name = `g-${Object.keys(spec)[0]}-${String(Object.values(spec)[0]).length}`;
        const e = apiError(
          await objects()
            .create({
              apiVersion: "demo.example.com/v1",
              kind: "Gadget",
              metadata: { name, namespace: "default" },
              spec,
            })
            .catch((err: unknown) => err),
        );
        expect(e).toMatchObject({ code: 422, reason: "Invalid" });
        expect((e.details as { causes?: unknown }).causes).toEqual(causes);
      });

      it.each([
        "self.nope == 1",
        "!has(self.tags) || self.tags.all(t, size(t) > 0) && has(self.nope)",
        "self.mode != 'x' || self.zeta.startsWith('q') || self.nope2",
      ])("a CRD whose rule names an undeclared field is refused at registration: %s", async (rule) => {
        const r = await b().kubectl.run(["create", "-f", "-"], { input: JSON.stringify(gadgetCrd(rule)) });
        seen.record(b().name, `CRD with the rule ${rule}`, r.stderr.trim());
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(
          'The CustomResourceDefinition "badgadgets.demo.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[3].rule: Invalid value: ',
        );
        expect(r.stderr).toMatch(/compilation failed: ERROR: <input>:1:\d+: undefined field 'nope2?'/);
      });

      it("a CRD whose rule is too costly is refused on the real server only", async () => {
        const r = await b().kubectl.run(["create", "-f", "-"], {
          input: JSON.stringify(gadgetCrd("self.mode.matches(self.mode + self.mode)")),
        });
        expect(r.code).toBe(expectedOn(b().name, 1, { id: "crd-cel-compile-checks", clusterSim: 0 }));
        if (b().name === "kube-apiserver")
          expect(r.stderr).toContain("estimated rule cost exceeds budget by factor of");
        else await b().kubectl.ok(["delete", "crd", "badgadgets.demo.example.com"]);
      });

      it("a JSON patch whose test operation fails", async () => {
        const e = apiError(
          await custom()
            .patchNamespacedCustomObject(
              { ...WIDGETS, name: "o3", body: [{ op: "test", path: "/spec/size", value: "huge" }] },
              k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
            )
            .catch((err: unknown) => err),
        );
        expect(e).toMatchObject({
          code: 422,
          reason: "Invalid",
          message: "the server rejected our request due to an error in our request",
        });
        expect(e.details).toEqual({});
      });
    });

    describe("status subresource", () => {
      it("a status patch changes only status; a main-resource write ignores status and keeps the generation", async () => {
        await objects().create(widget("s1"));
        await custom().patchNamespacedCustomObjectStatus(
          { ...WIDGETS, name: "s1", body: { status: { replicas: 4 }, spec: { size: "huge" } } },
          k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
        );
        const s = (await objects().read(widget("s1"))) as WidgetObject;
        expect(s.status).toEqual({ replicas: 4 });
        expect(s.spec.size).toBe("small");
        const gen = s.metadata?.generation;
        await custom().patchNamespacedCustomObject(
          { ...WIDGETS, name: "s1", body: { status: { replicas: 9 } } },
          k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
        );
        const after = (await objects().read(widget("s1"))) as WidgetObject;
        expect(after.status).toEqual({ replicas: 4 });
        expect(after.metadata?.generation).toBe(gen);
        expect(after.metadata?.resourceVersion).toBe(s.metadata?.resourceVersion);
      });

      it("a negative status replica count is refused by the scale subresource's check", async () => {
        const e = apiError(
          await custom()
            .patchNamespacedCustomObjectStatus(
              { ...WIDGETS, name: "s1", body: { status: { replicas: -1 } } },
              k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
            )
            .catch((err: unknown) => err),
        );
        expect(e).toMatchObject({
          code: 422,
          reason: "Invalid",
          message:
            'Widget.demo.example.com "s1" is invalid: .status.replicas: Invalid value: -1: should be a non-negative integer',
        });
        expect((e.details as { causes?: unknown }).causes).toEqual([
          {
            reason: "FieldValueInvalid",
            message: "Invalid value: -1: should be a non-negative integer",
            field: ".status.replicas",
          },
        ]);
      });
    });

    describe("Lease with optimistic concurrency", () => {
      it("create, renew, and a stale update is a 409 Conflict", async () => {
        const leases = b().kubeConfig.makeApiClient(k8s.CoordinationV1Api);
        const created = await leases.createNamespacedLease({
          namespace: "default",
          body: {
            metadata: { name: "leader" },
            spec: { holderIdentity: "a", leaseDurationSeconds: 15, renewTime: new k8s.V1MicroTime() },
          },
        });
        expect(created.kind).toBe("Lease");
        const renewed = await leases.replaceNamespacedLease({
          name: "leader",
          namespace: "default",
          body: { ...created, spec: { ...created.spec, holderIdentity: "a", renewTime: new k8s.V1MicroTime() } },
        });
        expect(renewed.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion);
        const stale = apiError(
          await leases
            .replaceNamespacedLease({
              name: "leader",
              namespace: "default",
              body: { ...created, spec: { holderIdentity: "b" } },
            })
            .catch((e: unknown) => e),
        );
        expect(stale).toMatchObject({
          code: 409,
          reason: "Conflict",
          message:
            'Operation cannot be fulfilled on leases.coordination.k8s.io "leader": the object has been modified; please apply your changes to the latest version and try again',
          details: { name: "leader", group: "coordination.k8s.io", kind: "leases" },
        });
      });
    });

    describe("server-side apply conflicts", () => {
      it("a second manager changing an owned field is 409 with the conflict as a cause; force takes it over", async () => {
        const apply = (manager: string, spec: Record<string, unknown>, force: boolean) =>
          objects().patch(
            widget("ssa1", spec),
            undefined,
            undefined,
            manager,
            force,
            k8s.PatchStrategy.ServerSideApply,
          );
        await apply("alice", { size: "small", replicas: 2 }, false);
        const e = apiError(await apply("bob", { size: "large" }, false).catch((err: unknown) => err));
        expect(e).toMatchObject({
          code: 409,
          reason: "Conflict",
          message: 'Apply failed with 1 conflict: conflict with "alice": .spec.size',
        });
        expect(e.details).toEqual({
          causes: [{ reason: "FieldManagerConflict", message: 'conflict with "alice"', field: ".spec.size" }],
        });
        const two = apiError(await apply("bob", { size: "large", replicas: 3 }, false).catch((err: unknown) => err));
        expect(two.message).toBe(
          'Apply failed with 2 conflicts: conflicts with "alice":\n- .spec.replicas\n- .spec.size',
        );
        const forced = (await apply("bob", { size: "large" }, true)) as WidgetObject;
        expect(forced.spec).toMatchObject({ size: "large", replicas: 2 });
        const owners = Object.fromEntries(
          (forced.metadata?.managedFields ?? []).map((m) => [
            m.manager,
            Object.keys((m.fieldsV1 as { "f:spec"?: object })["f:spec"] ?? {}).sort(),
          ]),
        );
        expect(owners).toEqual({ alice: ["f:replicas"], bob: ["f:size"] });
        // the same value from a second manager is shared ownership, not a conflict
        await apply("carol", { replicas: 2 }, false);
      });
    });

    describe("watch", () => {
      it("from a resourceVersion: only the later events, in order", async () => {
        const w = await objects().create(widget("wv1"));
        const rv = w.metadata?.resourceVersion ?? "";
        await objects().patch(
          widget("wv1", { size: "large" }),
          undefined,
          undefined,
          "t",
          undefined,
          k8s.PatchStrategy.MergePatch,
        );
        await objects().delete(widget("wv1"));
        const watch = watchEvents(b(), PATH, { resourceVersion: rv, fieldSelector: "metadata.name=wv1" });
        try {
          await eventually(() => watch.events.length >= 2, 20_000, "two events");
          expect(watch.events.map((e) => `${e.type}:${(e.object as WidgetObject).spec?.size}`)).toEqual([
            "MODIFIED:large",
            "DELETED:large",
          ]);
        } finally {
          await watch.stop();
        }
      });

      it("from a compacted resourceVersion: 410 Expired", async () => {
        const first = await objects().create(widget("wv2"));
        const old = first.metadata?.resourceVersion ?? "";
        await compactPast(b(), old);
        const watch = watchEvents(b(), PATH, { resourceVersion: old });
        try {
          await eventually(() => watch.events.some((e) => e.type === "ERROR"), 30_000, "the ERROR event");
          const error = watch.events.find((e) => e.type === "ERROR")?.object;
          expect(error).toMatchObject({ kind: "Status", status: "Failure", code: 410, reason: "Expired" });
          // the watch cache says `too old resource version: <rv> (<oldest>)` (cluster-sim says that too); etcd, read
          // directly as here, says the second
          expect(error?.message).toMatch(
            /^(?:too old resource version: \d+ \(\d+\)|The resourceVersion for the provided watch is too old\.)$/,
          );
          seen.record(b().name, "410 from a compacted resourceVersion", `${error?.code} ${error?.reason}`);
        } finally {
          await watch.stop();
        }
      });
    });

    describe("informer", () => {
      it("receives add, update, delete, and relists after 410", async () => {
        let lists = 0;
        const list = () => {
          lists++;
          return custom().listNamespacedCustomObject(WIDGETS) as Promise<
            k8s.KubernetesListObject<k8s.KubernetesObject>
          >;
        };
        const informer = k8s.makeInformer(b().kubeConfig, PATH, list);
        const events: string[] = [];
        const errors: unknown[] = [];
        informer.on("add", (o) => events.push(`add:${o.metadata?.name}`));
        informer.on("update", (o) => events.push(`update:${o.metadata?.name}`));
        informer.on("delete", (o) => events.push(`delete:${o.metadata?.name}`));
        informer.on("error", (e) => errors.push(e));
        await informer.start();
        try {
          await objects().create(widget("inf1"));
          await eventually(() => events.includes("add:inf1"), 20_000, "add");
          await objects().patch(
            widget("inf1", { size: "large" }),
            undefined,
            undefined,
            "t",
            undefined,
            k8s.PatchStrategy.MergePatch,
          );
          await eventually(() => events.includes("update:inf1"), 20_000, "update");
          await objects().delete(widget("inf1"));
          await eventually(() => events.includes("delete:inf1"), 20_000, "delete");
          expect(lists).toBe(1);

          await expireInformerWatch(b(), () => lists > 1);
          await objects().create(widget("inf2"));
          await eventually(() => events.includes("add:inf2"), 20_000, "add after the relist");
          expect(informer.get("inf2", "default")?.metadata?.name).toBe("inf2");
          expect(informer.get("inf1", "default")).toBeUndefined();
          expect(errors).toEqual([]);
        } finally {
          await informer.stop();
        }
      });
    });

    /** Makes `rv` older than what the backend can still watch from. */
    async function compactPast(backend: RunningBackend, rv: string): Promise<void> {
      if (backend.cluster) {
        // a later event, then the history before it is gone
        await objects().create(widget(`after-${rv}`));
        backend.cluster.faults.compact("widgets");
        return;
      }
      // the API server compacts etcd to the revision it saw at its previous 2 s tick: write, then wait it out
      const core = backend.kubeConfig.makeApiClient(k8s.CoreV1Api);
      const name = `tick-${rv}`;
      await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name } } });
      await eventually(
        async () => {
          await core.patchNamespacedConfigMap(
            { namespace: "default", name, body: { data: { at: String(Date.now()) } } },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
          );
          return custom()
            .listNamespacedCustomObject({ ...WIDGETS, resourceVersion: rv, resourceVersionMatch: "Exact" })
            .then(
              () => false,
              (e: unknown) => apiError(e).code === 410,
            );
        },
        30_000,
        `resourceVersion ${rv} compacted`,
      );
    }

    /** Ends the informer's watch while its resourceVersion is compacted, so that its next watch is 410. */
    async function expireInformerWatch(backend: RunningBackend, relisted: () => boolean): Promise<void> {
      if (backend.cluster) {
        backend.cluster.faults.dropWatches("widgets");
        await objects().create(widget("while-down"));
        backend.cluster.faults.compact("widgets");
        await eventually(relisted, 20_000, "the relist");
        return;
      }
      // writes elsewhere move etcd on; compaction passes the informer's resourceVersion; the API server ends the
      // watch within 3–6 s; the informer's next watch is 410 and it lists again
      const core = backend.kubeConfig.makeApiClient(k8s.CoreV1Api);
      await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "ticker" } } });
      await eventually(
        async () => {
          await core.patchNamespacedConfigMap(
            { namespace: "default", name: "ticker", body: { data: { at: String(Date.now()) } } },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
          );
          await new Promise((r) => setTimeout(r, 200));
          return relisted();
        },
        40_000,
        "the relist",
      );
    }
  },
);

describe("the backends agree", () => {
  it("on the Statuses and messages recorded above", () => {
    expect(seen.complete()).toBeGreaterThan(0);
    expect(seen.pairs()).toEqual(seen.expected());
  });
});
