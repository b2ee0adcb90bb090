import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHost } from "../../src/index.js";
import { SmtpMail } from "../../src/services/smtp/smtp-mail.js";
import { leaves, parseMime } from "./support/mime.js";

interface Received {
  from: string;
  to: string[];
  user: unknown;
  raw: Buffer;
}

// A real SMTP server on a free port, with a login, and no STARTTLS (it would need a certificate).
const received: Received[] = [];
let server: SMTPServer;
let port: number;

beforeAll(async () => {
  server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === "goat" && auth.password === "s3cret/pass") callback(null, { user: auth.username });
      else callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user,
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received.length = 0;
});

const url = () => `smtp://goat:${encodeURIComponent("s3cret/pass")}@127.0.0.1:${port}`;
const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe("SmtpMail against a real SMTP server", () => {
  it("delivers the message intact: envelope, headers, UTF-8 subject and body, attachments byte for byte", async () => {
    const mail = await SmtpMail.connect({ url: url() });
    try {
      const { id } = await mail.send("ticket-report", {
        from: "goatkit@help.example",
        to: ["boss@example.com", "ops@example.com"],
        subject: "Résumé of today ✓ — 42 tickets",
        text: "Grüße!\nAll 42 tickets are handled.\nLine with = and a very long tail ".padEnd(200, "x"),
        attachments: [
          { filename: "report.csv", content_type: "text/csv", content_base64: Buffer.from("state,count\nopen,3\n").toString("base64") },
          { filename: "bytes.bin", content_type: "application/octet-stream", content_base64: binary.toString("base64") },
        ],
      });
      expect(received).toHaveLength(1);
      const [message] = received;
      expect(message).toMatchObject({ from: "goatkit@help.example", to: ["boss@example.com", "ops@example.com"], user: "goat" });

      const mime = parseMime(message!.raw);
      expect(mime.headers.get("message-id")).toBe(id);
      expect(mime.headers.get("subject")).toBe("Résumé of today ✓ — 42 tickets");
      expect(mime.headers.get("from")).toBe("goatkit@help.example");
      expect(mime.headers.get("to")).toBe("boss@example.com, ops@example.com");
      expect(mime.headers.get("x-goatkit-plugin")).toBe("ticket-report");
      expect(mime.type).toBe("multipart/mixed");

      const [text, csv, bin] = leaves(mime);
      expect(text!.type).toBe("text/plain");
      // Text travels with CRLF line ends, as SMTP requires; readers turn them back into \n.
      expect(text!.body.toString("utf8").replace(/\r\n/g, "\n")).toBe("Grüße!\nAll 42 tickets are handled.\nLine with = and a very long tail ".padEnd(200, "x"));
      expect(csv!.type).toBe("text/csv");
      expect(csv!.headers.get("content-disposition")).toMatch(/^attachment; filename=("?)report\.csv\1$/);
      expect(csv!.body.toString("utf8")).toBe("state,count\nopen,3\n");
      expect(bin!.type).toBe("application/octet-stream");
      expect(bin!.headers.get("content-disposition")).toMatch(/filename=("?)bytes\.bin\1/);
      expect(bin!.body.equals(binary)).toBe(true);
    } finally {
      mail.close();
    }
  });

  it("sends an HTML body as text/html", async () => {
    const mail = await SmtpMail.connect({ url: url() });
    try {
      await mail.send("faq", { from: "goatkit@help.example", to: ["a@example.com"], subject: "New answer", html: "<html><body><p>Hello <b>there</b></p></body></html>", attachments: [] });
      const mime = parseMime(received[0]!.raw);
      expect(mime.type).toBe("text/html");
      expect(mime.body.toString("utf8")).toBe("<html><body><p>Hello <b>there</b></p></body></html>");
    } finally {
      mail.close();
    }
  });

  it("says when the login is refused, without the password", async () => {
    const wrong = `smtp://goat:nope@127.0.0.1:${port}`;
    await expect(SmtpMail.connect({ url: wrong, origin: "GOATKIT_SMTP_URL" })).rejects.toThrow(
      new RegExp(`^cannot connect to the SMTP server at smtp://goat:\\*\\*\\*@127\\.0\\.0\\.1:${port} \\(set by GOATKIT_SMTP_URL\\): .*Invalid username or password.*; check the user and password in GOATKIT_SMTP_URL$`),
    );
  });

  it("says when nothing listens at the URL", async () => {
    await expect(SmtpMail.connect({ url: "smtp://127.0.0.1:1", origin: "GOATKIT_SMTP_URL" })).rejects.toThrow(
      /^cannot connect to the SMTP server at smtp:\/\/127\.0\.0\.1:1 \(set by GOATKIT_SMTP_URL\): .*ECONNREFUSED.*; start the mail server or fix GOATKIT_SMTP_URL$/,
    );
  });

  it("carries a plugin's send_email through the host: the kitchen-sink fixture's message arrives with its attachment", async () => {
    const host = await createHost({ database: { demo: { tickets: 50 } }, mail: await SmtpMail.connect({ url: url() }), mailFrom: "plugins@help.example" });
    try {
      await host.load(new URL("../../../../fixtures/as-kitchen-sink/", import.meta.url).pathname);
      const attachment = { filename: "report.csv", content_type: "text/csv", content_base64: Buffer.from("a,b\n1,2\n").toString("base64") };
      const res = await host.call("kitchen-sink", "email", {
        kind: "route",
        method: "POST",
        body: JSON.stringify({ to: ["boss@example.com"], subject: "Daily report", body: "All good.", attachments: [attachment] }),
      });
      expect(res.status).toBe(200);
      const { id } = JSON.parse(String(res.body));
      const mime = parseMime(received[0]!.raw);
      expect(mime.headers.get("message-id")).toBe(id);
      expect(mime.headers.get("from")).toBe("plugins@help.example");
      expect(mime.headers.get("x-goatkit-plugin")).toBe("kitchen-sink");
      const [text, csv] = leaves(mime);
      expect(text!.body.toString("utf8")).toBe("All good.");
      expect(csv!.body.toString("utf8")).toBe("a,b\n1,2\n");
    } finally {
      await host.close();
    }
  });
});
