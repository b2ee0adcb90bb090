/** A report's result: its JSON, from the database or the cache, or the failure that stopped it. */
import { HostResult, JSON, packError, packJSON } from "@goatkit/sdk/assembly";

export class Report {
  private data: JSON.Obj | null = null;
  private text: string | null = null;
  /** True when the JSON came from the cache. */
  fromCache: bool = false;
  /** What failed; `""` when the report is complete. */
  error: string = "";
  code: string = "";
  /** The HTTP status of a failure. */
  status: i32 = 500;

  static of(data: JSON.Obj): Report {
    const report = new Report();
    report.data = data;
    return report;
  }

  static cached(text: string): Report {
    const report = new Report();
    report.text = text;
    report.fromCache = true;
    return report;
  }

  /** A report stopped by a failed host call; `what` says which step failed. */
  static failed(what: string, res: HostResult): Report {
    const report = new Report();
    report.error = what + ": " + res.error;
    report.code = res.code;
    return report;
  }

  /** A report the plugin will not compute for these parameters. */
  static refused(message: string, status: i32, code: string): Report {
    const report = new Report();
    report.error = message;
    report.status = status;
    report.code = code;
    return report;
  }

  get ok(): bool {
    return this.error.length == 0;
  }

  /** The report as a JSON object (empty when it failed). */
  get obj(): JSON.Obj {
    const data = this.data;
    if (data != null) return data;
    const text = this.text;
    const parsed: JSON.Obj | null = text == null ? null : JSON.parseObj(text);
    const obj = parsed == null ? new JSON.Obj() : parsed;
    this.data = obj;
    return obj;
  }

  /** The report as JSON text. */
  get json(): string {
    const text = this.text;
    if (text != null) return text;
    const json = this.obj.stringify();
    this.text = json;
    return json;
  }

  /** The route's answer: the JSON with an `x-cache: hit|miss` header, or the error envelope. */
  respond(): u64 {
    if (!this.ok) return packError(this.error, this.status, this.code);
    // The response envelope (docs/envelopes.md) written out: the SDK's `Response` lower-cases
    // header names with String#toLowerCase, whose Unicode tables cost this module 6 KB.
    const headers = new JSON.Obj().set("content-type", "application/json").set("x-cache", this.fromCache ? "hit" : "miss");
    const response = new JSON.Obj().set("status", 200).set("headers", headers).set("body", this.json);
    return packJSON(new JSON.Obj().set("gk_response", response));
  }
}
