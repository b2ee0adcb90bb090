import { afterAll, describe } from "vitest";
import { missing } from "../services/support/test-servers.js";
import { buildForQuickjs } from "../support/quickjs-build.js";
import { MYSQL_REDIS, POSTGRES_REDIS } from "./contract-backends.js";
import { describeKitchenSinkContract } from "./kitchen-sink-contract.js";

// fixtures/ts-kitchen-sink and fixtures/ts-library (the same handlers plus mustache), built for
// the QuickJS binding (the default of gk plugin build) and run on the host's shared engine.
const kitchenSink = await buildForQuickjs(new URL("../../../../fixtures/ts-kitchen-sink/", import.meta.url).pathname);
const library = await buildForQuickjs(new URL("../../../../fixtures/ts-library/", import.meta.url).pathname);
afterAll(async () => {
  await kitchenSink.cleanup();
  await library.cleanup();
});

const quickjs = { dir: kitchenSink.dir, binding: "quickjs" as const, trapMessage: /^trap threw Error: kitchen-sink trap requested$/ };

describe("the TypeScript kitchen sink on the QuickJS binding", () => {
  describeKitchenSinkContract(quickjs);
  describeKitchenSinkContract({ ...quickjs, load: { isolation: "in-process" } });
  describeKitchenSinkContract({ ...quickjs, dir: library.dir });
});

// Asynchronous services (pg, mysql2, ioredis) answer the script's synchronous host calls
// through the worker channel.
describe.skipIf(missing("postgres", "the QuickJS contract on PostgreSQL") || missing("redis", "the QuickJS contract on Redis"))("QuickJS on PostgreSQL and Redis", () => {
  describeKitchenSinkContract({ ...quickjs, backend: POSTGRES_REDIS });
});

describe.skipIf(missing("mysql", "the QuickJS contract on MariaDB/MySQL") || missing("redis", "the QuickJS contract on Redis"))("QuickJS on MariaDB/MySQL and Redis", () => {
  describeKitchenSinkContract({ ...quickjs, backend: MYSQL_REDIS });
});
