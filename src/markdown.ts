// One Markdown configuration for the whole app: raw HTML off, only http(s), mailto and relative links.
import MarkdownIt from 'markdown-it';

// html: false means raw HTML in criteria is shown as text; linkify only makes http(s) links.
export const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });
const defaultValidate = markdown.validateLink.bind(markdown);
markdown.validateLink = (url: string) => /^(https?:|mailto:|#|\/)/i.test(url.trim()) && defaultValidate(url);

const defaultLinkOpen =
  markdown.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
markdown.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('rel', 'nofollow noopener');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/** Safe HTML for criteria, narratives and emails: the only Markdown views may print unescaped. */
export function renderMarkdown(source: string | null | undefined): string {
  return source ? markdown.render(source) : '';
}
