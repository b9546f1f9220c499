/** A generated CA and a server certificate for 127.0.0.1/localhost (PEM), for the emulator's HTTPS. */
import { webcrypto } from "node:crypto";

/** PEM material of the emulator. */
export interface EmulatorTls {
  readonly caCert: string;
  readonly cert: string;
  readonly key: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString("base64");
  return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END ${label}-----\n`;
}

/** An ECDSA P-256 CA and a server certificate for `127.0.0.1`, `::1` and `localhost`, valid for a day. */
export async function generateEmulatorTls(): Promise<EmulatorTls> {
  // @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill.
  await import("reflect-metadata");
  const x509 = await import("@peculiar/x509");
  const crypto = webcrypto as unknown as Crypto;
  x509.cryptoProvider.set(crypto);
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const caKeys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 24 * 3600_000);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=aks-emulator-ca",
    keys: caKeys,
    notBefore,
    notAfter,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const serverKeys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    subject: "CN=aks-emulator",
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: "ip", value: "127.0.0.1" },
        { type: "ip", value: "::1" },
        { type: "dns", value: "localhost" },
      ]),
    ],
  });
  const keyDer = await crypto.subtle.exportKey("pkcs8", serverKeys.privateKey);
  return { caCert: ca.toString("pem"), cert: cert.toString("pem"), key: pem("PRIVATE KEY", keyDer) };
}
