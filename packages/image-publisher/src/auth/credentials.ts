/**
 * Credentials for one registry. Either a username and password (Basic, or the token server's GET with Basic), or an
 * `identityToken` (an OAuth2 refresh token, exchanged at the token server by POST), or a ready `registryToken`
 * (sent as Bearer as is).
 */
export interface RegistryCredentials {
  /** User name for Basic auth or the token server. */
  readonly username?: string;
  /** Password for Basic auth or the token server. Never logged or put in errors. */
  readonly password?: string;
  /** OAuth2 refresh token (docker config `identitytoken`). Never logged or put in errors. */
  readonly identityToken?: string;
  /** A bearer token to send as is (docker config `registrytoken`). Never logged or put in errors. */
  readonly registryToken?: string;
}

/** Finds the credentials for a registry host (`host[:port]`), or `undefined` for anonymous access. */
export type CredentialProvider = (registry: string) => RegistryCredentials | undefined;

/** A provider that gives the same credentials for every registry, or for the listed ones. */
export function staticCredentials(
  credentials: RegistryCredentials | Readonly<Record<string, RegistryCredentials>>,
): CredentialProvider {
  const isSingle = "username" in credentials || "identityToken" in credentials || "registryToken" in credentials;
  if (isSingle) {
    const c = credentials as RegistryCredentials;
    return () => c;
  }
  const map = credentials as Readonly<Record<string, RegistryCredentials>>;
  return (registry) => map[registry];
}

/** Tries each provider in turn and returns the first credentials found. */
export function chainCredentials(...providers: CredentialProvider[]): CredentialProvider {
  return (registry) => {
    for (const p of providers) {
      const c = p(registry);
      if (c !== undefined) return c;
    }
    return undefined;
  };
}

/** The `Authorization: Basic …` value for a username and password. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

/** A short description of credentials for messages: the user name or the kind of token, never a secret. */
export function describeCredentials(c: RegistryCredentials | undefined): string {
  if (c === undefined) return "anonymous access";
  if (c.identityToken !== undefined) return "an identity token";
  if (c.registryToken !== undefined) return "a registry token";
  if (c.username !== undefined) return `user "${c.username}"`;
  return "anonymous access";
}
