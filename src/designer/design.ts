import { z } from 'zod';

/** Badge outlines the designer draws. The names are the API's, so scripts can use them without reading the code. */
export const SHAPES = ['circle', 'shield', 'hexagon', 'rounded-square', 'star', 'ribbon-banner'] as const;
export type Shape = (typeof SHAPES)[number];

export const SHAPE_LABELS: Record<Shape, string> = {
  circle: 'Circle',
  shield: 'Shield',
  hexagon: 'Hexagon',
  'rounded-square': 'Rounded square',
  star: 'Star (seal)',
  'ribbon-banner': 'Ribbon banner',
};

/** Background / border / text triples whose text contrast is at least 4.5:1 (checked by a test). */
export const PALETTES = [
  { name: 'Royal blue and gold', background: '#1d4ed8', border: '#facc15', text: '#ffffff' },
  { name: 'Forest', background: '#166534', border: '#bbf7d0', text: '#ffffff' },
  { name: 'Brick', background: '#b4451f', border: '#fde68a', text: '#ffffff' },
  { name: 'Plum', background: '#6b21a8', border: '#f0abfc', text: '#ffffff' },
  { name: 'Slate', background: '#1e293b', border: '#38bdf8', text: '#ffffff' },
  { name: 'Teal', background: '#115e59', border: '#5eead4', text: '#ffffff' },
  { name: 'Sunshine', background: '#fde047', border: '#1e3a8a', text: '#1e293b' },
  { name: 'Paper', background: '#f8fafc', border: '#334155', text: '#0f172a' },
] as const;

export const LIMITS = { title: 40, subtitle: 40, ribbon: 24, pictureBytes: 2 * 1024 * 1024 } as const;

const HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;

/** `#abc` or `#aabbcc`, stored as lower-case `#aabbcc`. */
const colour = (label: string) =>
  z
    .string(`${label} must be a colour such as #1d4ed8.`)
    .trim()
    .regex(HEX, `${label} must be a colour such as #1d4ed8.`)
    .transform((v) => {
      const hex = v.slice(1).toLowerCase();
      return hex.length === 3 ? `#${[...hex].map((c) => c + c).join('')}` : `#${hex}`;
    });

/** Empty strings from forms mean "not given". */
const optionalText = (label: string, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.string(`${label} must be text.`).trim().max(max, `${label}: at most ${max} characters.`).optional(),
  );
const optionalColour = (label: string) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), colour(label).optional());

/**
 * A picture for the centre, already re-encoded by the service: a PNG, JPEG or WebP data URI. The base64 alphabet
 * check also guarantees the value can sit in an attribute with no escaping surprises.
 */
const picture = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  z
    .string()
    .max(Math.ceil((LIMITS.pictureBytes * 4) / 3) + 64, 'The picture is too large: at most 2 MB.')
    .regex(/^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2}$/, 'The picture must be a PNG, JPEG or WebP image.')
    .optional(),
);

export function designSchema(iconExists: (name: string) => boolean) {
  return z
    .object({
      shape: z.enum(SHAPES, `Shape must be one of: ${SHAPES.join(', ')}.`),
      background: colour('Background'),
      border: colour('Border'),
      textColor: optionalColour('Text colour'),
      title: z
        .string('Title is required.')
        .trim()
        .min(1, 'Title is required.')
        .max(LIMITS.title, `Title: at most ${LIMITS.title} characters, so it stays readable.`),
      subtitle: optionalText('Subtitle', LIMITS.subtitle),
      icon: z.preprocess(
        (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
        z
          .string('Icon must be an icon name.')
          .trim()
          .toLowerCase()
          .max(80, 'Icon: no icon has so long a name.')
          .refine(iconExists, 'Unknown icon: search the icon list for a name such as "star" or "book-open".')
          .optional(),
      ),
      picture,
      ribbon: optionalText('Ribbon text', LIMITS.ribbon),
      ribbonColor: optionalColour('Ribbon colour'),
    })
    .strict()
    .refine((d) => !(d.icon && d.picture), { message: 'Choose an icon or a picture, not both.', path: ['icon'] });
}

export type Design = z.output<ReturnType<typeof designSchema>>;
