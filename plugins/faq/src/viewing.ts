/** What a call sees: its viewer, and the visibility rules that follow from role and locale. */
import type { Request } from "@goatkit/sdk/guest";
import { viewerOf, type Viewer } from "./access.js";
import { localeChain } from "./locale.js";
import type { Visibility } from "./store/visibility.js";

/**
 * The visibility for reading in the caller's language: `?locale=` (a language switcher)
 * overrides the request's locale; customers see published articles only.
 */
export function readingVisibility(req: Request, viewer: Viewer = viewerOf(req)): Visibility {
  return { publishedOnly: !viewer.canEdit, locales: localeChain(req.query("locale") || req.locale) };
}
