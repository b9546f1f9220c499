/** URL routing of the API server (pure). */
import { describe, expect, it } from "vitest";
import { route } from "../../src/server/routing.ts";

describe("route", () => {
  it("routes discovery, OpenAPI and resource paths", () => {
    expect(route("/version")).toEqual({ type: "version" });
    expect(route("/apis")).toEqual({ type: "groups" });
    expect(route("/apis/apps")).toEqual({ type: "group", group: "apps" });
    expect(route("/api/v1")).toEqual({ type: "resource-list", group: "", version: "v1" });
    expect(route("/openapi/v3/apis/apps/v1")).toEqual({ type: "openapi-v3", group: "apps", version: "v1" });
    expect(route("/api/v1/namespaces/default/pods/p1/status")).toEqual({
      type: "resource",
      group: "",
      version: "v1",
      resource: "pods",
      namespace: "default",
      name: "p1",
      subresource: "status",
    });
    expect(route("/apis/apps/v1/deployments")).toMatchObject({ resource: "deployments", group: "apps" });
  });

  it("keeps namespace subresources apart from namespaced resources", () => {
    expect(route("/api/v1/namespaces/team")).toMatchObject({ resource: "namespaces", name: "team" });
    expect(route("/api/v1/namespaces/team/status")).toMatchObject({
      resource: "namespaces",
      name: "team",
      subresource: "status",
    });
    expect(route("/api/v1/namespaces/team/configmaps")).toMatchObject({ resource: "configmaps", namespace: "team" });
  });

  it("keeps the raw proxy path, its encoding and its trailing slash", () => {
    expect(route("/api/v1/namespaces/ns/services/chat:80/proxy/v1/a%20b/")).toMatchObject({
      resource: "services",
      name: "chat:80",
      subresource: "proxy",
      proxyPath: "/v1/a%20b/",
    });
    expect(route("/api/v1/namespaces/ns/services/chat/proxy")).toMatchObject({ proxyPath: "/" });
  });

  it("rejects what it cannot address", () => {
    expect(route("/nope")).toEqual({ type: "not-found" });
    expect(route("/api/v1/namespaces/x/pods/p/log/extra")).toEqual({ type: "not-found" });
    expect(route("/api/v1/%zz")).toEqual({ type: "not-found" });
  });
});
