import crypto from 'node:crypto';
import sharp from 'sharp';
import { z } from 'zod';
import { AppError, notFound, ValidationError } from '../errors.js';
import { checkArtwork, suggestAltText, type ArtworkReport } from '../designer/accessibility.js';
import { designerAssets } from '../designer/assets.js';
import { designSchema, LIMITS, type Design } from '../designer/design.js';
import { searchIcons } from '../designer/icons.js';
import { renderDesignSvg } from '../designer/render.js';
import { missingCharacters } from '../designer/text.js';
import type { SavedDesign } from '../repos/designs.js';
import type { PageQuery } from '../repos/pagination.js';
import type { ServiceContext } from './context.js';
import type { IssuersService } from './issuers.js';
import { checkPngChunks } from './images.js';
import { uploadFromDataUri, type Upload } from './uploads.js';
import { parseInput, text } from './validation.js';
import { TenantSlots, TIME_BUDGETS, withTenantSlot, WORK_LIMITS } from './work-budget.js';

/** The centre picture is drawn at most 140 px wide on a 512 badge; 192 px keeps it sharp and the design small. */
const PICTURE_SIDE = 192;
// Renders and picture re-encodings share libuv's four threads with every other sharp call: each tenant gets its share.
const renderSlots = new TenantSlots('designer render', WORK_LIMITS.designerRenders, 'You have other badge drawings under way. Please wait for them to finish.');
const rendering = <T>(work: () => Promise<T>) => withTenantSlot(renderSlots, TIME_BUDGETS.designerRender, work);

const DesignMeta = z.object({
  name: text.optional(200),
  altText: text.optional(500),
  template: z.boolean('template must be true or false.').optional(),
});

const isPng = (b: Buffer) => b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
const isRaster = (b: Buffer) =>
  isPng(b) ||
  (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) ||
  (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP');

export interface RenderedArtwork {
  design: Design;
  svg: string;
  report: ArtworkReport;
}

export interface DesignView extends SavedDesign {
  design: Design;
  template: boolean;
}

export function designsService(ctx: ServiceContext, issuers: IssuersService) {
  const { repos, db } = ctx;
  const assets = () => designerAssets();
  const schema = () => designSchema((name) => assets().icons.has(name));

  /**
   * Re-encodes a picture (upload or data URI) into a small PNG data URI; huge, broken or non-raster files are field
   * errors. Rasters only (sniffed by their bytes), so sharp decodes them here with a pixel cap: no SVG, no fonts.
   */
  async function picture(upload: Upload, field: string): Promise<string> {
    const tooLarge = 'The picture is too large: at most 2 MB and 4096 × 4096 pixels.';
    if (upload.bytes.length > LIMITS.pictureBytes) throw new ValidationError({ [field]: tooLarge });
    if (!isRaster(upload.bytes)) throw new ValidationError({ [field]: 'The picture must be a PNG, JPEG or WebP image.' });
    try {
      // sharp alone would use a PNG with bad CRCs or no IEND (see checkPngChunks).
      if (isPng(upload.bytes)) checkPngChunks(upload.bytes);
      const png = await rendering(() =>
        sharp(upload.bytes, { limitInputPixels: 4096 * 4096, failOn: 'error' })
          .rotate()
          .resize(PICTURE_SIDE, PICTURE_SIDE, { fit: 'cover' })
          .png({ palette: true, effort: 1 })
          .toBuffer(),
      );
      return `data:image/png;base64,${png.toString('base64')}`;
    } catch (err) {
      if (err instanceof AppError) throw err;
      const pixels = /pixel limit/i.test(String((err as Error).message));
      throw new ValidationError({ [field]: pixels ? tooLarge : 'The picture is damaged or incomplete.' });
    }
  }

  /**
   * Validates a design from outside (form or API): zod for the shape of it, the bundled fonts for every character,
   * and a fresh re-encoding of any picture, so the renderer only ever sees data we made.
   */
  async function parseDesign(raw: unknown, upload: Upload | null = null, pictureField = 'picture'): Promise<Design> {
    const input = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...(raw as Record<string, unknown>) } : raw;
    const errors: Record<string, string> = {};
    if (typeof input === 'object' && input !== null) {
      const record = input as Record<string, unknown>;
      try {
        if (upload) record.picture = await picture(upload, pictureField);
        else if (typeof record.picture === 'string' && record.picture.trim() !== '') {
          const given = uploadFromDataUri(record.picture.trim(), pictureField);
          record.picture = await picture(given, pictureField);
        }
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        Object.assign(errors, err.fields);
        delete record.picture;
      }
    }
    let design: Design | null = null;
    try {
      design = parseInput(schema(), input);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      Object.assign(errors, err.fields);
    }
    if (design) {
      const { bold, semibold } = assets().fonts;
      for (const [field, value, stack] of [
        ['title', design.title, bold],
        ['subtitle', design.subtitle, semibold],
        ['ribbon', design.ribbon, bold],
      ] as const) {
        const missing = value ? missingCharacters(value, stack) : [];
        if (missing.length > 0) errors[field] = `The badge font cannot draw: ${missing.join(' ')}. Use letters, digits and common punctuation.`;
      }
    }
    if (Object.keys(errors).length > 0 || !design) throw new ValidationError(errors);
    return design;
  }

  function draw(design: Design, altText?: string): RenderedArtwork {
    const rendered = renderDesignSvg(design, assets(), altText || suggestAltText(design));
    return { design, svg: rendered.svg, report: checkArtwork(design, rendered) };
  }

  /** Our own SVG (paths only, no fonts): sharp renders it at 512 × 512 with the same bytes on any machine. */
  const toPng = (svg: string) => rendering(() => sharp(Buffer.from(svg), { failOn: 'error', limitInputPixels: 1024 * 1024 }).png().toBuffer());

  /** Stored designs were validated on the way in; parsing again keeps old rows honest if the schema tightens. */
  function view(saved: SavedDesign): DesignView {
    return { ...saved, design: parseInput(schema(), saved.design), template: saved.publishedAt !== null };
  }

  function requireDesign(designId: string, userId: string, atLeast: 'editor' | 'awarder'): DesignView {
    const saved = repos.designs.findById(designId);
    if (!saved) throw notFound('Design');
    issuers.requireRole(saved.issuerId, userId, atLeast);
    return view(saved);
  }

  /** Members see their issuer's designs; every signed-in user may see (and start from) a published template. */
  function readable(designId: string, userId: string): DesignView {
    const saved = repos.designs.findById(designId);
    if (!saved) throw notFound('Design');
    if (saved.publishedAt === null) issuers.requireRole(saved.issuerId, userId, 'awarder');
    return view(saved);
  }

  return {
    parseDesign,
    draw,
    toPng,
    searchIcons: (query: string) => searchIcons(assets(), query),

    /** Validation and artwork checks for a preview: never throws for bad input, so a script can show the messages. */
    async preview(raw: unknown, upload: Upload | null, altText = ''): Promise<{ ok: true; artwork: RenderedArtwork } | { ok: false; errors: Record<string, string> }> {
      try {
        return { ok: true, artwork: draw(await parseDesign(raw, upload, 'image'), altText) };
      } catch (err) {
        if (err instanceof ValidationError) return { ok: false, errors: err.fields };
        throw err;
      }
    },

    async render(raw: unknown, format: 'png' | 'svg'): Promise<{ type: string; body: Buffer | string }> {
      const artwork = draw(await parseDesign(raw));
      return format === 'svg' ? { type: 'image/svg+xml', body: artwork.svg } : { type: 'image/png', body: await toPng(artwork.svg) };
    },

    readable,
    /** The template a design came from, if this user may still see it (it may have been withdrawn since). */
    readableOrNull(designId: string, userId: string): DesignView | null {
      try {
        return readable(designId, userId);
      } catch {
        return null;
      }
    },
    requireDesign,
    listForIssuer(issuerId: string, userId: string, page: PageQuery) {
      issuers.requireRole(issuerId, userId, 'awarder');
      const result = repos.designs.listForIssuer(issuerId, page);
      return { items: result.items.map(view), nextCursor: result.nextCursor };
    },
    listTemplates(page: PageQuery & { search?: string }) {
      const result = repos.designs.listTemplates(page);
      return { items: result.items.map(view), nextCursor: result.nextCursor };
    },

    /** `templateId` names the published template this design started from; it is kept as provenance. */
    async create(
      issuerId: string,
      userId: string,
      meta: { name?: unknown; altText?: unknown; templateId?: unknown },
      raw: unknown,
      upload: Upload | null = null,
      pictureField = 'picture',
    ): Promise<DesignView> {
      issuers.requireRole(issuerId, userId, 'editor');
      const fields = parseInput(DesignMeta, { name: meta.name ?? '', altText: meta.altText ?? '' });
      const design = await parseDesign(raw, upload, pictureField);
      let templateId: string | null = null;
      if (typeof meta.templateId === 'string' && meta.templateId !== '') {
        const template = repos.designs.findById(meta.templateId);
        if (!template || template.publishedAt === null) throw new ValidationError({ templateId: 'No published template has this id.' });
        templateId = template.id;
      }
      const id = crypto.randomUUID();
      const altText = fields.altText || suggestAltText(design);
      repos.designs.insert({ id, issuerId, name: fields.name || design.title, design, altText, templateId, createdBy: userId, now: ctx.now().toISOString() });
      return view(repos.designs.findById(id)!);
    },

    /** Partial: name, alt text, a whole new design, and `template` (true offers it in the template library). */
    async update(
      designId: string,
      userId: string,
      meta: { name?: unknown; altText?: unknown; template?: unknown },
      raw: unknown | undefined,
      upload: Upload | null = null,
      pictureField = 'picture',
    ): Promise<DesignView> {
      const current = requireDesign(designId, userId, 'editor');
      const fields = parseInput(DesignMeta.partial(), { name: meta.name, altText: meta.altText, template: meta.template });
      const design = raw === undefined ? current.design : await parseDesign(raw, upload, pictureField);
      const now = ctx.now().toISOString();
      db.transaction(() => {
        repos.designs.update(designId, { name: fields.name || current.name, design, altText: fields.altText ?? current.altText }, now);
        if (fields.template !== undefined && fields.template !== current.template) {
          repos.designs.setPublished(designId, fields.template ? now : null, now);
        }
      })();
      return view(repos.designs.findById(designId)!);
    },

    duplicate(designId: string, userId: string): DesignView {
      const source = requireDesign(designId, userId, 'editor');
      const id = crypto.randomUUID();
      repos.designs.insert({
        id,
        issuerId: source.issuerId,
        name: `${source.name} (copy)`.slice(0, 200),
        design: source.design,
        altText: source.altText,
        templateId: source.template ? source.id : source.templateId,
        createdBy: userId,
        now: ctx.now().toISOString(),
      });
      return view(repos.designs.findById(id)!);
    },

    /** A copy of a published template, owned by one of the user's issuers, recording where it came from. */
    copyTemplate(templateId: string, issuerId: string, userId: string): DesignView {
      issuers.requireRole(issuerId, userId, 'editor');
      const template = repos.designs.findById(templateId);
      if (!template || template.publishedAt === null) throw notFound('Template');
      const source = view(template);
      const id = crypto.randomUUID();
      repos.designs.insert({
        id,
        issuerId,
        name: source.name,
        design: source.design,
        altText: source.altText,
        templateId: source.id,
        createdBy: userId,
        now: ctx.now().toISOString(),
      });
      return view(repos.designs.findById(id)!);
    },

    setTemplate(designId: string, userId: string, published: boolean): DesignView {
      requireDesign(designId, userId, 'editor');
      const now = ctx.now().toISOString();
      repos.designs.setPublished(designId, published ? now : null, now);
      return view(repos.designs.findById(designId)!);
    },

    /**
     * A design sent in place of an image (badge class API): errors are named `design.<field>`. The SVG then takes the
     * same path as an uploaded SVG, so the stored image, its PNG and baking treat both alike.
     */
    async badgeImageFrom(raw: unknown, field = 'design'): Promise<{ upload: Upload; altText: string }> {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new ValidationError({ [field]: 'Send the design as an object, e.g. {"shape":"circle","background":"#1d4ed8","border":"#facc15","title":"Team Player"}.' });
      }
      let design: Design;
      try {
        design = await parseDesign(raw);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        throw new ValidationError(Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [`${field}.${k}`, v])));
      }
      const artwork = draw(design);
      return { upload: { bytes: Buffer.from(artwork.svg), type: 'image/svg+xml' }, altText: artwork.report.altText };
    },

    /** A saved design as a badge image: the same path as an uploaded SVG, so baking treats both alike. */
    async badgeImage(design: Design, altText?: string): Promise<{ upload: Upload; altText: string }> {
      const artwork = draw(design, altText);
      return { upload: { bytes: Buffer.from(artwork.svg), type: 'image/svg+xml' }, altText: altText || artwork.report.altText };
    },
  };
}

export type DesignsService = ReturnType<typeof designsService>;
