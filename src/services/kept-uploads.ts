import crypto from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { ServiceContext } from './context.js';
import { normaliseUpload, type Upload } from './uploads.js';

/** Bounds: a kept image is for the retry of one form, not storage. */
export interface KeptUploadLimits {
  ttlMs: number;
  perSession: number;
  entries: number;
  bytes: number;
}
export const KEPT_UPLOAD_LIMITS: KeptUploadLimits = { ttlMs: 30 * 60_000, perSession: 2, entries: 64, bytes: 128 * 1024 * 1024 };

interface KeptUpload {
  id: string;
  sessionId: string;
  /** The upload with its normalised image attached, so the retry does not decode it again. */
  upload: Upload;
  bytes: number;
  keptAt: number;
}

/**
 * Images uploaded with a form that came back with errors, kept in memory for the retry (issue 19: "an uploaded image
 * survives a validation error"). Only images that normalised cleanly are kept, each tied to the session that sent it,
 * dropped once used, after 30 minutes, or when the store is over its bounds (oldest first). A restart forgets them:
 * the form then asks for the file again.
 */
export function keptUploadsService(ctx: ServiceContext, limits: KeptUploadLimits = KEPT_UPLOAD_LIMITS) {
  // Insertion order is age order, so eviction walks from the front.
  const kept = new Map<string, KeptUpload>();
  let totalBytes = 0;

  const drop = (id: string) => {
    const entry = kept.get(id);
    if (!entry) return;
    kept.delete(id);
    totalBytes -= entry.bytes;
  };

  function prune(now: number) {
    for (const entry of kept.values()) if (now - entry.keptAt > limits.ttlMs) drop(entry.id);
    for (const entry of kept.values()) {
      if (kept.size <= limits.entries && totalBytes <= limits.bytes) break;
      drop(entry.id);
    }
  }

  function find(sessionId: string, id: string): KeptUpload | null {
    const entry = kept.get(id);
    if (!entry || entry.sessionId !== sessionId) return null;
    if (ctx.now().getTime() - entry.keptAt > limits.ttlMs) {
      drop(id);
      return null;
    }
    return entry;
  }

  return {
    /**
     * Keeps an upload that is a readable image. One that is not is not kept (id null); its upload carries the error,
     * so the form reports it as usual without decoding the file a second time.
     */
    async keep(sessionId: string, upload: Upload): Promise<{ id: string | null; upload: Upload }> {
      let normalised;
      try {
        normalised = await normaliseUpload(upload, 'image');
      } catch (err) {
        if (err instanceof ValidationError) return { id: null, upload: { ...upload, normalised: err } };
        throw err;
      }
      const now = ctx.now().getTime();
      const mine = [...kept.values()].filter((e) => e.sessionId === sessionId);
      for (const old of mine.slice(0, Math.max(0, mine.length - limits.perSession + 1))) drop(old.id);
      const entry: KeptUpload = {
        id: crypto.randomBytes(16).toString('base64url'),
        sessionId,
        upload: { ...upload, normalised },
        bytes: upload.bytes.length + normalised.png.length + (normalised.svg?.length ?? 0),
        keptAt: now,
      };
      kept.set(entry.id, entry);
      totalBytes += entry.bytes;
      prune(now);
      return { id: kept.has(entry.id) ? entry.id : null, upload: entry.upload };
    },

    /** The kept upload for a retry, only to the session that sent it. */
    take: (sessionId: string, id: string): Upload | null => find(sessionId, id)?.upload ?? null,

    /** The normalised PNG, for the form's preview of the kept image. */
    previewPng(sessionId: string, id: string): Buffer | null {
      const normalised = find(sessionId, id)?.upload.normalised;
      return normalised && !(normalised instanceof ValidationError) ? normalised.png : null;
    },

    discard(sessionId: string, id: string | null): void {
      if (id && find(sessionId, id)) drop(id);
    },

    stats: () => ({ entries: kept.size, bytes: totalBytes }),
  };
}

export type KeptUploadsService = ReturnType<typeof keptUploadsService>;
