export { createTestHost, TestHost, type TestHostOptions, type TestClock } from "./test-host.js";
export { LocalAnswers, type HttpAnswer, type HttpAnswers } from "./local-answers.js";
export type { HostCallRecord } from "../host-functions/host-services.js";
export { ExpectationError } from "./expectation-error.js";
