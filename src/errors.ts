/** An error whose message is safe to show to the user. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Invalid values, with one message per field (form field name or API property path). */
export class ValidationError extends AppError {
  constructor(
    readonly fields: Record<string, string>,
    message = 'Some values need attention.',
  ) {
    super(422, 'validation_failed', message, fields);
  }
}

export const notFound = (what = 'This page') => new AppError(404, 'not_found', `${what} could not be found.`);
export const unauthorized = () => new AppError(401, 'unauthorized', 'Sign in, or send a valid API token.');
export const forbidden = (message = 'You do not have permission to do that.') => new AppError(403, 'forbidden', message);
export const conflict = (message: string) => new AppError(409, 'conflict', message);
