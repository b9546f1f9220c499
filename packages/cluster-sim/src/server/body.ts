/** Reading and decoding request bodies (JSON, YAML, Kubernetes protobuf) with the real server's 4xx answers. */
import type { IncomingMessage } from "node:http";
import { parse as parseYaml } from "yaml";
import { badRequest, ClusterSimError, unsupportedMediaType } from "../errors/index.ts";
import { decodeProtobufObject } from "./protobuf.ts";

/** Largest accepted body (the real server's limit is 3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Reads the whole body (413 when too large). */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        failed = true;
        reject(new ClusterSimError("RequestEntityTooLarge", "Request entity too large: limit is 3145728"));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on("error", (e) => {
      if (!failed) reject(e);
    });
  });
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** Decodes an object body for create/update (`kind` names the expected kind for messages). */
export function decodeObjectBody(body: Buffer, contentType: string | undefined, kind: string): unknown {
  const type = mediaType(contentType);
  if (type === "application/vnd.kubernetes.protobuf") return decodeProtobufObject(body);
  if (type === "" || type === "application/json" || type === "*/*") {
    try {
      return JSON.parse(body.toString("utf8"));
    } catch (e) {
      throw badRequest(
        `the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: ${(e as Error).message}`,
      );
    }
  }
  if (type === "application/yaml") return decodeYaml(body, kind);
  throw unsupportedMediaType(type, ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]);
}

/** Parses a YAML (or JSON) body. */
export function decodeYaml(body: Buffer, kind: string): unknown {
  try {
    return parseYaml(body.toString("utf8"), { maxAliasCount: 100 });
  } catch (e) {
    throw badRequest(
      `the object provided is unrecognized (must be of type ${kind}): error converting YAML to JSON: ${(e as Error).message}`,
    );
  }
}

/** Parses a JSON patch body. */
export function decodeJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw badRequest(`error decoding ${what}: ${(e as Error).message}`);
  }
}
