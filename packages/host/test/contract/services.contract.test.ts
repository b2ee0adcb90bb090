import { describe } from "vitest";
import { missing } from "../services/support/test-servers.js";
import { MYSQL_REDIS, POSTGRES_REDIS } from "./contract-backends.js";
import { describeKitchenSinkContract } from "./kitchen-sink-contract.js";

// The same contract on the production services: PostgreSQL or MariaDB/MySQL, with Redis.
const core = {
  dir: new URL("../../../../fixtures/as-kitchen-sink/", import.meta.url).pathname,
  binding: "core" as const,
  trapMessage: /^trap aborted: kitchen-sink trap requested at assembly\/index\.ts:\d+:\d+$/,
};
const component = {
  dir: new URL("../../../../fixtures/ts-kitchen-sink/", import.meta.url).pathname,
  binding: "component" as const,
  trapMessage: /^trap threw Error: kitchen-sink trap requested$/,
};
const grpc = {
  dir: new URL("../../../../fixtures/ts-kitchen-sink/build/grpc/", import.meta.url).pathname,
  binding: "grpc" as const,
  trapMessage: /^trap failed: Error: kitchen-sink trap requested$/,
};

describe.skipIf(missing("postgres", "the contract on PostgreSQL") || missing("redis", "the contract on Redis"))("on PostgreSQL and Redis", () => {
  describeKitchenSinkContract({ ...core, backend: POSTGRES_REDIS });
  describeKitchenSinkContract({ ...component, backend: POSTGRES_REDIS });
  describeKitchenSinkContract({ ...grpc, backend: POSTGRES_REDIS });
});

describe.skipIf(missing("mysql", "the contract on MariaDB/MySQL") || missing("redis", "the contract on Redis"))("on MariaDB/MySQL and Redis", () => {
  describeKitchenSinkContract({ ...core, backend: MYSQL_REDIS });
  describeKitchenSinkContract({ ...grpc, backend: MYSQL_REDIS });
});
