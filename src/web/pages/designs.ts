import type { Request, Response } from 'express';
import { ValidationError } from '../../errors.js';
import { PALETTES, SHAPES, SHAPE_LABELS } from '../../designer/design.js';
import { iconSvg } from '../../designer/icons.js';
import { designerAssets } from '../../designer/assets.js';
import type { DesignView } from '../../services/designs.js';
import type { Services } from '../../services/index.js';
import { currentUser } from '../auth.js';
import { formContext } from '../forms.js';
import { pageQuery, uploadOf } from './form-input.js';

type Body = Record<string, unknown>;
const body = (req: Request) => (req.body ?? {}) as Body;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** The designer form's fields as the service's design input; a chosen preset palette sets all three colours. */
export function designFormInput(b: Body) {
  const palette = PALETTES.find((p) => p.name === str(b.palette));
  return {
    shape: str(b.shape),
    background: palette?.background ?? str(b.background),
    border: palette?.border ?? str(b.border),
    textColor: palette?.text ?? str(b.textColor),
    title: str(b.title),
    subtitle: str(b.subtitle),
    icon: str(b.icon),
    picture: str(b.removePicture) === '1' ? '' : str(b.picture),
    ribbon: str(b.ribbon),
    ribbonColor: str(b.ribbonColor),
  };
}

const DEFAULT_VALUES = { shape: 'circle', background: '#1d4ed8', border: '#facc15', textColor: '', title: '', icon: 'star' };

function valuesOf(d: DesignView) {
  return { ...d.design, name: d.name, altText: d.altText, issuerId: d.issuerId, picture: d.design.picture ?? '' };
}

export function designPages(services: Services) {
  const { designs, issuers } = services;

  /** Issuers where the user may save designs (editor or owner). */
  function editableIssuers(userId: string) {
    return issuers.listForUser(userId, { limit: 500 }).items.filter((i) => issuers.hasRole(i.role, 'editor'));
  }

  function designerLocals(req: Request, design: DesignView | null) {
    const values = (req.body ?? {}) as Body;
    return {
      title: design ? `Edit ${design.name}` : 'Badge designer',
      design,
      shapes: SHAPES.map((s) => ({ value: s, label: SHAPE_LABELS[s] })),
      palettes: PALETTES,
      issuers: editableIssuers(currentUser(req).id),
      icons: designs.searchIcons(str(values.iconSearch)),
      action: design ? `/manage/designs/${design.id}` : '/designer',
      preview: null as null | { src: string; altText: string; warnings: Array<{ field: string; message: string }> },
    };
  }

  const previewOf = (svg: string) => `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;

  /** Renders the designer with a preview of the values given, or their field messages (no-JS path). */
  async function renderWithPreview(req: Request, res: Response, design: DesignView | null, values: Body, quiet = false) {
    const locals = designerLocals(req, design);
    const result = await designs.preview(designFormInput(values), uploadOf(req), str(values.altText));
    if (!result.ok && quiet) {
      res.render('designs/designer', { ...locals, values });
      return;
    }
    if (!result.ok) {
      res.status(400).render('designs/designer', { ...locals, values, errors: result.errors, formError: 'Some values need attention.' });
      return;
    }
    const { artwork } = result;
    res.render('designs/designer', {
      ...locals,
      values: { ...values, picture: artwork.design.picture ?? '', suggestedAltText: artwork.report.altText },
      preview: { src: previewOf(artwork.svg), altText: str(values.altText) || artwork.report.altText, warnings: artwork.report.warnings },
    });
  }

  return {
    async designer(req: Request, res: Response) {
      const userId = currentUser(req).id;
      const templateId = str(req.query.template);
      const start = templateId ? designs.readable(templateId, userId) : null;
      if (start && !start.template) throw new ValidationError({ template: 'This design is not a published template.' });
      const values: Body = start
        ? { ...valuesOf(start), templateId: start.id, issuerId: str(req.query.issuerId) }
        : { ...DEFAULT_VALUES, issuerId: str(req.query.issuerId) };
      if (req.query.for === 'badge') values.for = 'badge';
      await renderWithPreview(req, res, null, values, true);
    },

    /** With JavaScript: JSON for the live preview. Without: the designer again, showing the preview. */
    async preview(req: Request, res: Response) {
      if (req.accepts(['html', 'json']) === 'json') {
        const result = await designs.preview(designFormInput(body(req)), uploadOf(req), str(body(req).altText));
        if (!result.ok) {
          // 200 with ok: false: the preview answered; the messages are for the person typing, not an HTTP failure.
          res.json({ ok: false, errors: result.errors });
          return;
        }
        const { artwork } = result;
        res.json({ ok: true, svg: artwork.svg, altText: artwork.report.altText, warnings: artwork.report.warnings, picture: artwork.design.picture ?? '' });
        return;
      }
      const designId = str(body(req).designId);
      const design = designId ? designs.requireDesign(designId, currentUser(req).id, 'editor') : null;
      await renderWithPreview(req, res, design, body(req));
    },

    icons(req: Request, res: Response) {
      res.json({ items: designs.searchIcons(str(req.query.q)) });
    },

    /** One bundled icon as a small SVG for the picker; public, immutable data from the lucide package. */
    icon(req: Request, res: Response) {
      const svg = iconSvg(designerAssets(), String(req.params.name));
      if (!svg) {
        res.status(404).type('text/plain').send('No such icon.');
        return;
      }
      res.type('image/svg+xml').set('Cache-Control', 'public, max-age=86400').send(svg);
    },

    async create(req: Request, res: Response) {
      const values = body(req);
      formContext(res, 'designs/designer', designerLocals(req, null), values);
      const issuerId = str(values.issuerId);
      if (!issuerId) throw new ValidationError({ issuerId: 'Choose the issuer this design belongs to.' });
      const design = await designs.create(issuerId, currentUser(req).id, values, designFormInput(values), uploadOf(req), 'image');
      // Opened from a new badge form: back to it, with what was typed there and this design as its image.
      if (values.for === 'badge') res.redirect(303, `/manage/issuers/${encodeURIComponent(issuerId)}/badges/new?draft=1&design=${design.id}`);
      else res.redirect(303, `/manage/designs/${design.id}`);
    },

    list(req: Request, res: Response) {
      const issuer = res.locals.issuer as { id: string };
      const query = pageQuery(req, 50);
      res.render('designs/list', {
        title: 'Designs',
        issuer,
        canEdit: issuers.hasRole(res.locals.role, 'editor'),
        page: designs.listForIssuer(issuer.id, currentUser(req).id, query),
      });
    },

    templates(req: Request, res: Response) {
      const query = pageQuery(req, 50);
      res.render('designs/templates', { title: 'Design templates', query, page: designs.listTemplates(query) });
    },

    show(req: Request, res: Response) {
      const userId = currentUser(req).id;
      const design = designs.readable(String(req.params.designId), userId);
      const artwork = designs.draw(design.design, design.altText);
      const mine = editableIssuers(userId).some((i) => i.id === design.issuerId);
      const template = design.templateId ? designs.readableOrNull(design.templateId, userId) : null;
      res.render('designs/show', {
        title: design.name,
        design,
        canEdit: mine,
        template,
        warnings: artwork.report.warnings,
        notice: str(req.query.notice),
      });
    },

    image: (format: 'png' | 'svg') => async (req: Request, res: Response) => {
      const design = designs.readable(String(req.params.designId), currentUser(req).id);
      const artwork = designs.draw(design.design, design.altText);
      if (format === 'svg') res.type('image/svg+xml').send(artwork.svg);
      else res.type('image/png').send(await designs.toPng(artwork.svg));
    },

    editForm(req: Request, res: Response) {
      const design = designs.requireDesign(String(req.params.designId), currentUser(req).id, 'editor');
      return renderWithPreview(req, res, design, { ...valuesOf(design), designId: design.id });
    },

    async update(req: Request, res: Response) {
      const userId = currentUser(req).id;
      const design = designs.requireDesign(String(req.params.designId), userId, 'editor');
      const values = body(req);
      formContext(res, 'designs/designer', designerLocals(req, design), values);
      await designs.update(design.id, userId, { name: values.name, altText: values.altText }, designFormInput(values), uploadOf(req), 'image');
      res.redirect(303, `/manage/designs/${design.id}?notice=saved`);
    },

    duplicate(req: Request, res: Response) {
      const copy = designs.duplicate(String(req.params.designId), currentUser(req).id);
      res.redirect(303, `/manage/designs/${copy.id}/edit`);
    },

    async setTemplate(req: Request, res: Response) {
      const publish = str(body(req).template) === 'publish';
      const design = await designs.update(String(req.params.designId), currentUser(req).id, { template: publish }, undefined);
      res.redirect(303, `/manage/designs/${design.id}?notice=${publish ? 'published' : 'withdrawn'}`);
    },
  };
}
