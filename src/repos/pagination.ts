/** Keyset pagination over (created_at DESC, id DESC): stable while rows are added. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageQuery {
  limit: number;
  cursor?: string | null;
}

export interface CursorPosition {
  createdAt: string;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

/** An unreadable cursor starts from the top rather than failing the request. */
export function decodeCursor(cursor: string | null | undefined): CursorPosition | null {
  // A real cursor is under 100 characters; a longer one is not worth decoding.
  if (!cursor || cursor.length > 512) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through
  }
  return null;
}

/** Rows were fetched with limit + 1 so we know whether another page exists. */
export function toPage<R extends { created_at: string; id: string }, T>(rows: R[], limit: number, map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const visible = more ? rows.slice(0, limit) : rows;
  const last = visible[visible.length - 1];
  return {
    items: visible.map(map),
    nextCursor: more && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
  };
}

/** The cursor condition's parameters; the far-future sentinel means "from the top". */
export function cursorParams(cursor: string | null | undefined): { cursorAt: string; cursorId: string } {
  const position = decodeCursor(cursor);
  return position ? { cursorAt: position.createdAt, cursorId: position.id } : { cursorAt: '9999', cursorId: '' };
}
