import { Type, type Static } from "@sinclair/typebox";
import { FunctionDeclSchema, HookSchema, JobSchema, MenuItemSchema, RouteSchema, RuntimeSchema, WidgetSchema } from "../manifest/schema.js";

/** The document `gk_register` returns (docs/registration.md). Unknown top-level fields are allowed and ignored. */
export const RegistrationSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: "the plugin name; must equal the manifest's", examples: ["my-plugin"] }),
    version: Type.String({ minLength: 1, description: "the plugin version; must equal the manifest's", examples: ["1.0.0"] }),
    description: Type.Optional(Type.String({ description: "one line about the plugin" })),
    runtime: Type.Optional(RuntimeSchema),
    abi: Type.Optional(Type.Integer({ minimum: 1, description: "the ABI major version the module was built for", examples: [1] })),
    functions: Type.Optional(Type.Array(FunctionDeclSchema, { description: "functions callable from templates" })),
    hooks: Type.Optional(Type.Array(HookSchema, { description: "events the plugin reacts to" })),
    menu_items: Type.Optional(Type.Array(MenuItemSchema, { description: "navigation menu entries" })),
    permissions: Type.Optional(
      Type.Array(Type.String({ minLength: 1, description: "a capability the manifest grants, or a plugin permission", examples: ["my_plugin.view"] }), {
        description: "capabilities the module uses and permissions it defines",
      }),
    ),
    routes: Type.Optional(Type.Array(RouteSchema, { description: "routes; each must be in the manifest" })),
    widgets: Type.Optional(Type.Array(WidgetSchema, { description: "widgets; each must be in the manifest" })),
    jobs: Type.Optional(Type.Array(JobSchema, { description: "jobs; each must be in the manifest" })),
  },
  { title: "GoatKit registration", description: "What a plugin module says about itself from gk_register." },
);

/** The registration document a module returns from `gk_register`. */
export type Registration = Static<typeof RegistrationSchema>;

/** The top-level fields a registration may have. */
export const REGISTRATION_FIELDS = Object.keys(RegistrationSchema.properties);
