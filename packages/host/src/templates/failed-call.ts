import { nunjucks } from "./nunjucks-internals.js";

/**
 * What a plugin function call that failed (time-out, trap, error envelope, unreadable result)
 * evaluates to: a placeholder that prints as a short notice and absorbs whatever the template
 * does next with it. `{{ stats.open }}` and `{{ stats }}` both print the notice, a loop over it
 * runs its `else` branch, `| length` is 0, so one failing plugin never fails the page.
 */
export function failedCall(plugin: string, fn: string, code: string): unknown {
  const html = `<span class="gk-call-failed" data-plugin="${attr(plugin)}" data-function="${attr(fn)}" data-code="${attr(code)}" role="status">${text(plugin)}.${text(fn)}() is unavailable (${text(code)})</span>`;
  const safe = new nunjucks.runtime.SafeString(html);
  const proxy: object = new Proxy(safe, {
    get(target, key) {
      if (key === Symbol.iterator) return function* nothing() {};
      if (key === "length") return 0;
      if (key === "toString" || key === "valueOf" || key === Symbol.toPrimitive) return () => html;
      if (key === "val") return html;
      if (typeof key === "symbol") return Reflect.get(target, key);
      return proxy;
    },
    has: () => false,
    ownKeys: () => [],
    getOwnPropertyDescriptor: () => undefined,
  });
  return proxy;
}

/** Whether a value is such a placeholder (it then passes through calls that take it as an argument). */
export function isFailedCall(value: unknown): boolean {
  return value instanceof nunjucks.runtime.SafeString && String(value).startsWith('<span class="gk-call-failed"');
}

function text(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const attr = text;
