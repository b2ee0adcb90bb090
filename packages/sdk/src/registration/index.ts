export { RegistrationSchema, REGISTRATION_FIELDS, type Registration } from "./schema.js";
export { parseRegistration } from "./parse.js";
export { checkRegistration, manifestFromRegistration, type RegistrationCheck } from "./check.js";
export { fromGoatflowRegistration, goDurationMs, GOATFLOW_DEFAULT_PERMISSIONS, isGoatflowRegistration } from "./goatflow.js";
