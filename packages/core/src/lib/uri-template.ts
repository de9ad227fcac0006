/**
 * A regular expression matching every URI an RFC 6570 template can route to in the MCP SDKs (1.x and 2.x
 * `UriTemplate.match`), and possibly more: each expression matches at least what the SDK's does, so a
 * scope attached to a template is never skipped for a URI the server would serve from it.
 */
export function uriTemplatePattern(template: string): RegExp {
  let pattern = '^';
  let rest = template;
  for (;;) {
    const open = rest.indexOf('{');
    const close = open === -1 ? -1 : rest.indexOf('}', open);
    if (open === -1 || close === -1) {
      pattern += escape(rest);
      break;
    }
    pattern += escape(rest.slice(0, open)) + expression(rest.slice(open + 1, close));
    rest = rest.slice(close + 1);
  }
  return new RegExp(`${pattern}$`);
}

function expression(body: string): string {
  switch (body[0]) {
    case '+':
    case '#':
      return '[\\s\\S]+';
    case '.':
      return '\\.[^/]+';
    case '/':
      return '(?:/[^/]+)+';
    case '?':
      return '\\?[\\s\\S]*';
    case '&':
      return '&[\\s\\S]*';
    default:
      return '[^/]+';
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
