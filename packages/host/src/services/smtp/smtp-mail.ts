import { messageOf } from "../../errors.js";
import nodemailer, { type Transporter } from "nodemailer";
import type { MailService, OutgoingEmail } from "../types.js";
import { ServiceConnectionError, redactUrl } from "../connection-error.js";

export interface SmtpMailOptions {
  /**
   * `smtp://[user:password@]host:587` (STARTTLS when the server offers it) or
   * `smtps://...:465` (TLS from the start). nodemailer's URL options apply (`?pool=true`).
   */
  url: string;
  /** Where the URL was configured, named in connection errors. */
  origin?: string;
}

// nodemailer's codes for a server that cannot be reached or refuses the login.
const CONNECTION_CODES = new Set(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "ETLS"]);

/**
 * Plugin email over SMTP with nodemailer. Each message carries an `X-GoatKit-Plugin` header
 * naming the plugin that sent it; attachments are decoded from base64 and sent as-is.
 */
export class SmtpMail implements MailService {
  readonly #transport: Transporter;
  readonly #url: string;
  readonly #origin: string;

  constructor(options: SmtpMailOptions) {
    this.#url = options.url;
    this.#origin = options.origin ?? "the url option";
    this.#transport = nodemailer.createTransport({
      url: options.url,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  /** Creates the transport and checks that the server accepts a connection (and the login). */
  static async connect(options: SmtpMailOptions): Promise<SmtpMail> {
    const mail = new SmtpMail(options);
    try {
      await mail.#transport.verify();
    } catch (error) {
      mail.close();
      throw mail.#explain(error);
    }
    return mail;
  }

  /** The URL without its password, for logs and the dashboard. */
  get url(): string {
    return redactUrl(this.#url);
  }

  async send(plugin: string, message: OutgoingEmail): Promise<{ id: string }> {
    try {
      const info = await this.#transport.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        ...(message.text !== undefined ? { text: message.text } : {}),
        ...(message.html !== undefined ? { html: message.html } : {}),
        headers: { "X-GoatKit-Plugin": plugin },
        attachments: message.attachments.map((a) => ({
          filename: a.filename,
          contentType: a.content_type,
          content: Buffer.from(a.content_base64, "base64"),
        })),
      });
      return { id: String(info.messageId) };
    } catch (error) {
      throw this.#explain(error);
    }
  }

  close(): void {
    this.#transport.close();
  }

  #explain(error: unknown): unknown {
    const code = (error as { code?: string }).code;
    if (code === "EAUTH" || code === "ENOAUTH") {
      return new ServiceConnectionError("the SMTP server", this.#url, this.#origin, messageOf(error), `check the user and password in ${this.#origin}`, { cause: error });
    }
    if (code !== undefined && CONNECTION_CODES.has(code)) {
      return new ServiceConnectionError("the SMTP server", this.#url, this.#origin, messageOf(error), `start the mail server or fix ${this.#origin}`, { cause: error });
    }
    return error;
  }
}
