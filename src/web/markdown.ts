import MarkdownIt from 'markdown-it';

// html: false means raw HTML in criteria is shown as text; linkify only makes http(s) links.
const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
const defaultValidate = md.validateLink.bind(md);
md.validateLink = (url: string) => /^(https?:|mailto:|#|\/)/i.test(url.trim()) && defaultValidate(url);

const defaultLinkOpen =
  md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('rel', 'nofollow noopener');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/** Safe HTML for criteria and narratives: the only place views may print unescaped output. */
export function renderMarkdown(source: string | null | undefined): string {
  return source ? md.render(source) : '';
}
