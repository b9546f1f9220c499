/**
 * The certificates a control plane needs, generated in memory (ECDSA P-256, valid one week): a CA, serving
 * certificates for loopback, client certificates whose subject carries the Kubernetes user (CN) and groups (O), and
 * the service-account signing key pair.
 */
import { generateKeyPairSync, webcrypto } from "node:crypto";

/** A certificate and its private key, in PEM. */
export interface CertificateAndKey {
  /** The certificate, PEM. */
  readonly cert: string;
  /** Its private key, PKCS#8 PEM. */
  readonly key: string;
}

/** A certificate authority that can sign more certificates. */
export interface CertificateAuthority extends CertificateAndKey {
  /** Issues a certificate signed by this CA. */
  issue(request: CertificateRequest): Promise<CertificateAndKey>;
}

/** What a certificate is for and who it names. */
export interface CertificateRequest {
  /** The subject's common name (for a client certificate: the Kubernetes user name). */
  readonly commonName: string;
  /** The subject's organizations (for a client certificate: the Kubernetes groups). */
  readonly organizations?: readonly string[];
  /** `server` adds serverAuth, `client` adds clientAuth. */
  readonly usage: "server" | "client";
  /** Subject alternative DNS names (servers). */
  readonly dnsNames?: readonly string[];
  /** Subject alternative IP addresses (servers). */
  readonly ipAddresses?: readonly string[];
}

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const VALIDITY_MS = 7 * 24 * 3600_000;

type X509 = typeof import("@peculiar/x509");
let x509Loaded: Promise<X509> | undefined;

function loadX509(): Promise<X509> {
  x509Loaded ??= (async () => {
    // @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill first.
    await import("reflect-metadata");
    const x509 = await import("@peculiar/x509");
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    return x509;
  })();
  return x509Loaded;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString("base64");
  return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END ${label}-----\n`;
}

function distinguishedName(commonName: string, organizations: readonly string[] = []): string {
  const escapeValue = (v: string) => v.replace(/([,+"\\<>;=])/g, "\\$1");
  return [`CN=${escapeValue(commonName)}`, ...organizations.map((o) => `O=${escapeValue(o)}`)].join(", ");
}

/** Generates a self-signed CA named `commonName`. */
export async function createCertificateAuthority(commonName: string): Promise<CertificateAuthority> {
  const x509 = await loadX509();
  const subtle = webcrypto.subtle;
  const keys = (await subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + VALIDITY_MS);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: distinguishedName(commonName),
    keys,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const caKey = pem("PRIVATE KEY", await subtle.exportKey("pkcs8", keys.privateKey));
  return authority(x509, ca, caKey, keys);
}

/** A {@link CertificateAuthority} from an existing CA certificate and its PKCS#8 key (both PEM, ECDSA P-256). */
export async function loadCertificateAuthority(cert: string, key: string): Promise<CertificateAuthority> {
  const x509 = await loadX509();
  const ca = new x509.X509Certificate(cert);
  const der = Buffer.from(key.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""), "base64");
  const privateKey = (await webcrypto.subtle.importKey("pkcs8", der, ALG, true, ["sign"])) as CryptoKey;
  const publicKey = await ca.publicKey.export(ALG, ["verify"], webcrypto as unknown as Crypto);
  return authority(x509, ca, key, { privateKey, publicKey });
}

function authority(
  x509: X509,
  ca: InstanceType<X509["X509Certificate"]>,
  caKey: string,
  keys: CryptoKeyPair,
): CertificateAuthority {
  const subtle = webcrypto.subtle;
  return {
    cert: ca.toString("pem"),
    key: caKey,
    async issue(request) {
      const own = (await subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
      const names = [
        ...(request.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
        ...(request.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
      ];
      const cert = await x509.X509CertificateGenerator.create({
        subject: distinguishedName(request.commonName, request.organizations),
        issuer: ca.subject,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Math.min(Date.now() + VALIDITY_MS, ca.notAfter.getTime())),
        publicKey: own.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: ALG,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension([
            request.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
          ]),
          ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
          await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
        ],
      });
      return { cert: cert.toString("pem"), key: pem("PRIVATE KEY", await subtle.exportKey("pkcs8", own.privateKey)) };
    },
  };
}

/** A key pair for signing service-account tokens (ES256), in PEM: PKCS#8 private key and SPKI public key. */
export function generateServiceAccountKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", {
    namedCurve: "prime256v1",
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return { privateKey, publicKey };
}

/** A serving certificate for a local HTTPS server, with the CA bundle a client (or the API server) must trust. */
export interface WebhookServerCertificate extends CertificateAndKey {
  /** The CA certificate, PEM: give it to node:https clients as `ca`. */
  readonly caBundle: string;
  /** The CA certificate as base64 of the PEM: the value of a webhook's `clientConfig.caBundle`. */
  readonly caBundleBase64: string;
}

/**
 * A serving certificate for `127.0.0.1`, `::1` and `localhost` signed by a fresh CA: pass `cert`/`key` to
 * `https.createServer`, and `caBundleBase64` as `clientConfig.caBundle` of a `ValidatingWebhookConfiguration` or
 * `MutatingWebhookConfiguration` whose `clientConfig.url` is `https://127.0.0.1:<port>/…`, so that the real API
 * server calls a webhook served by the test process. `dnsNames` / `ipAddresses` add more names.
 */
export async function webhookServerCertificate(
  options: { readonly dnsNames?: readonly string[]; readonly ipAddresses?: readonly string[] } = {},
): Promise<WebhookServerCertificate> {
  const ca = await createCertificateAuthority("kaito-envtest-webhook-ca");
  const serving = await ca.issue({
    commonName: "kaito-envtest-webhook",
    usage: "server",
    dnsNames: ["localhost", ...(options.dnsNames ?? [])],
    ipAddresses: ["127.0.0.1", "::1", ...(options.ipAddresses ?? [])],
  });
  return { ...serving, caBundle: ca.cert, caBundleBase64: Buffer.from(ca.cert).toString("base64") };
}
