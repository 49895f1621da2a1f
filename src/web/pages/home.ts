import type { Request, Response } from 'express';
import type { Services } from '../../services/index.js';

export function homePages(services: Services) {
  return {
    index(_req: Request, res: Response) {
      res.render('home', { title: 'Kiln: open badges for learning', signup: services.accounts.signupOpenTo() });
    },
  };
}
