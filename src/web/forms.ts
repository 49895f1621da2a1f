import type { Response } from 'express';

/**
 * Names the view and view model that the error handler re-renders, with the user's values and a message per field,
 * when the service rejects the input. Handlers call it before the service call and never catch.
 */
export function formContext(res: Response, view: string, locals: Record<string, unknown>, values: Record<string, unknown>): void {
  res.locals.form = { view, locals, values };
}

export interface FormContext {
  view: string;
  locals: Record<string, unknown>;
  values: Record<string, unknown>;
}

/** Form bodies arrive as strings (or arrays of strings); this reads one field as a trimmed string. */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}
