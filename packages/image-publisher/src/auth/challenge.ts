/** A parsed `WWW-Authenticate` challenge (RFC 7235 / RFC 6750 §3 syntax). */
export interface AuthChallenge {
  /** The scheme, lowercased: `basic`, `bearer`, … */
  readonly scheme: string;
  /** The auth-params, keys lowercased (`realm`, `service`, `scope`, `error`, …). */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses a `WWW-Authenticate` header value into its challenges. Handles quoted strings with escapes, several
 * challenges in one header, and commas inside quoted values (`scope="repository:a:pull,push"`).
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const out: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const n = header.length;
  const skipWs = () => {
    while (i < n && /[\s,]/.test(header[i] ?? "")) i++;
  };
  const token = () => {
    const start = i;
    while (i < n && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(header[i] ?? "")) i++;
    return header.slice(start, i);
  };
  while (i < n) {
    skipWs();
    const scheme = token();
    if (scheme === "") {
      i++;
      continue;
    }
    const current = { scheme: scheme.toLowerCase(), params: {} as Record<string, string> };
    out.push(current);
    for (;;) {
      while (i < n && /[\s]/.test(header[i] ?? "")) i++;
      const save = i;
      const key = token();
      while (i < n && header[i] === " ") i++;
      if (key === "" || header[i] !== "=") {
        i = save;
        break;
      }
      i++;
      while (i < n && header[i] === " ") i++;
      let value = "";
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === "\\" && i + 1 < n) i++;
          value += header[i];
          i++;
        }
        i++;
      } else {
        const start = i;
        while (i < n && header[i] !== "," && !/\s/.test(header[i] ?? "")) i++;
        value = header.slice(start, i);
      }
      current.params[key.toLowerCase()] = value;
      while (i < n && /\s/.test(header[i] ?? "")) i++;
      if (header[i] === ",") {
        i++;
        continue;
      }
      break;
    }
  }
  return out;
}

/** The scope string for a repository and actions, e.g. `repository:org/app:pull,push`. */
export function repositoryScope(repository: string, actions: readonly ("pull" | "push")[]): string {
  return `repository:${repository}:${actions.join(",")}`;
}
