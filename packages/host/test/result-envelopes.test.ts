import { describe, expect, it } from "vitest";
import { interpretResult } from "../src/plugin/response.js";

// A result that starts with `{` is read as an envelope only when it can be one; any other JSON
// object goes to the client as the plugin wrote it (docs/envelopes.md, "Results").
const bytes = (text: string) => new TextEncoder().encode(text);

describe("a handler's result", () => {
  it("passes a JSON object that is no envelope through byte for byte", () => {
    const text = '{ "counts": [1, 2],\n  "state": "open" }';
    expect(interpretResult(bytes(text), "route")).toEqual({ status: 200, headers: { "content-type": "application/json" }, body: text });
  });

  it("still reads the envelopes, also when a key is spelled with an escape", () => {
    expect(interpretResult(bytes('{"gk_response": {"status": 201, "body": "made"}}'), "route")).toMatchObject({ status: 201, body: "made" });
    expect(interpretResult(bytes('{"gk_\\u0072esponse": {"status": 202, "body": "queued"}}'), "route")).toMatchObject({ status: 202, body: "queued" });
    expect(interpretResult(bytes('{"error": "no such ticket", "code": "NOT_FOUND", "status": 404}'), "route")).toMatchObject({ status: 404, error: { message: "no such ticket", code: "NOT_FOUND" } });
  });
});
