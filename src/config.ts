import { z } from 'zod';
import net from 'node:net';
import path from 'node:path';
import { isPublicAddress } from './services/address-policy.js';

const boolean = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || /^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(v), 'must be an http(s) origin with an optional path'),
  DATA_DIR: z.string().min(1).default('./data'),
  SMTP_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || /^smtps?:\/\//.test(v), 'must start with smtp:// or smtps://'),
  MAIL_FROM: z.string().min(3).default('Kiln <no-reply@localhost>'),
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SIGNUP: z.enum(['open', 'invite', 'closed']).default('open'),
  // ALLOW_PRIVATE_NETWORKS is the general name (every outbound fetch); VERIFY_… is the older one, still accepted.
  ALLOW_PRIVATE_NETWORKS: boolean.optional(),
  VERIFY_ALLOW_PRIVATE_NETWORKS: boolean.optional(),
  HOST: z
    .string()
    .refine((v) => v === 'localhost' || net.isIP(v) !== 0, 'must be an IP address to bind (127.0.0.1, ::, …) or localhost')
    .optional(),
  KILN_KEY_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
});

export interface Config {
  readonly port: number;
  /** Bind address; undefined → all interfaces (Node's default: `::` with IPv4 mapped, or `0.0.0.0`). */
  readonly host: string | undefined;
  /** Origin plus optional path prefix, without a trailing slash; every hosted id starts with it. */
  readonly publicUrl: string;
  readonly dataDir: string;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly trustProxy: number;
  readonly logLevel: string;
  readonly signup: 'open' | 'invite' | 'closed';
  /** Outbound fetches (the verifier, and later backpacks, webhooks, LTI) may reach loopback and private addresses. */
  readonly allowPrivateNetworks: boolean;
  /** Encrypts issuers' private signing keys; unset → a secret generated into DATA_DIR/secrets.json. */
  readonly keySecret: string | undefined;
}

export class ConfigError extends Error {}

/** Reads the environment once; one error lists every bad key. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(schema.shape).flatMap((key) => (env[key] === undefined || env[key] === '' ? [] : [[key, env[key]]])),
  );
  const parsed = schema.safeParse(relevant);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (c.ALLOW_PRIVATE_NETWORKS !== undefined && c.VERIFY_ALLOW_PRIVATE_NETWORKS !== undefined && c.ALLOW_PRIVATE_NETWORKS !== c.VERIFY_ALLOW_PRIVATE_NETWORKS) {
    throw new ConfigError('Invalid configuration:\n  ALLOW_PRIVATE_NETWORKS: disagrees with VERIFY_ALLOW_PRIVATE_NETWORKS (its older name); set only one');
  }
  return Object.freeze({
    port: c.PORT,
    host: c.HOST,
    publicUrl: (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, ''),
    dataDir: path.resolve(c.DATA_DIR),
    smtpUrl: c.SMTP_URL,
    mailFrom: c.MAIL_FROM,
    trustProxy: c.TRUST_PROXY,
    logLevel: c.LOG_LEVEL,
    signup: c.SIGNUP,
    allowPrivateNetworks: c.ALLOW_PRIVATE_NETWORKS ?? c.VERIFY_ALLOW_PRIVATE_NETWORKS ?? false,
    keySecret: c.KILN_KEY_SECRET,
  });
}

/** True when verifiers elsewhere could not reach the ids we would publish: a local name or a non-global address. */
export function isLocalPublicUrl(publicUrl: string): boolean {
  const host = new URL(publicUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return net.isIP(host) !== 0 && !isPublicAddress(host);
}
