/** Routes for categories: everyone lists them; agents and admins change them. */
import { Response, type Handler } from "@goatkit/sdk/guest";
import { requireEditor } from "../access.js";
import { bumpGeneration, cacheTtl, cached } from "../cache.js";
import { conflict, idParam, integerField, jsonBody, notFound, slugField, stringField, type Body } from "../input.js";
import { categoryJSON } from "../json.js";
import { countArticlesIn, deleteCategory, findCategory, findCategoryBySlug, insertCategory, listCategories, updateCategory, visibleArticleCounts, type CategoryFields, type CategoryRow } from "../store/categories.js";
import type { Visibility } from "../store/visibility.js";
import { readingVisibility } from "../viewing.js";

const EXAMPLE = '{"name": "Accounts", "description": "Signing in and passwords", "position": 1}';

/** The categories with how many articles the viewer sees in each. */
export function categoriesFor(visibility: Visibility, ttl: number) {
  return cached("categories", visibility, ttl, () => {
    const counts = visibleArticleCounts(visibility);
    return { categories: listCategories().map((row) => categoryJSON(row, counts.get(row.id) ?? 0)), uncategorized: counts.get(null) ?? 0 };
  });
}

export const categoryHandlers = {
  /** GET /categories */
  list_categories: (req) => categoriesFor(readingVisibility(req), cacheTtl(req)),

  /** POST /categories */
  create_category(req) {
    requireEditor(req, "creating a category");
    const fields = categoryFields(jsonBody(req, EXAMPLE), null);
    const id = insertCategory(fields);
    bumpGeneration();
    return new Response(201).header("location", `/api/plugins/faq/categories/${id}`).json(categoryJSON(findCategory(id)!, 0));
  },

  /** PUT /categories/:id */
  update_category(req) {
    requireEditor(req, "editing a category");
    const id = idParam(req, "id", "category");
    const current = requireCategory(id);
    updateCategory(id, categoryFields(jsonBody(req, EXAMPLE), current));
    bumpGeneration();
    return categoryJSON(findCategory(id)!, countArticlesIn(id));
  },

  /** DELETE /categories/:id: only when no article is filed under it. */
  delete_category(req) {
    requireEditor(req, "deleting a category");
    const id = idParam(req, "id", "category");
    requireCategory(id);
    const articles = countArticlesIn(id);
    if (articles > 0) throw conflict(`category ${id} still has ${articles} article${articles === 1 ? "" : "s"} (drafts and translations included); move them to another category or delete them first`);
    deleteCategory(id);
    bumpGeneration();
    return null;
  },
} satisfies Record<string, Handler>;

function requireCategory(id: number): CategoryRow {
  const category = findCategory(id);
  if (category === null) throw notFound(`category ${id} not found`);
  return category;
}

/** The fields of a new category, or of `current` with the body's changes. */
function categoryFields(body: Body, current: CategoryRow | null): CategoryFields {
  const name = stringField(body, "name", { max: 100, required: current === null });
  const fields: CategoryFields = {
    name: name ?? current!.name,
    slug: slugField(body, current === null ? name : undefined, "category") ?? current!.slug,
    description: stringField(body, "description", { max: 1000, allowEmpty: true }) ?? current?.description ?? "",
    position: (integerField(body, "position") as number | undefined) ?? current?.position ?? 0,
  };
  const clash = findCategoryBySlug(fields.slug);
  if (clash !== null && clash.id !== current?.id) throw conflict(`category ${clash.id} already has the slug "${fields.slug}"; send another "slug"`);
  return fields;
}
