import type { FaqClient } from "./faq-host.js";
import { ok } from "./faq-host.js";

/**
 * A small help-desk knowledge base: 5 categories, 19 English articles (one a draft), and 2
 * German translations. Seeded through the plugin's own routes, in this order, so ids are the
 * same on every database.
 */
export const CATEGORIES = [
  { key: "accounts", name: "Accounts & sign-in", position: 1 },
  { key: "billing", name: "Billing", position: 2 },
  { key: "printing", name: "Printing & scanning", position: 3 },
  { key: "email", name: "Email", position: 4 },
  { key: "network", name: "Network", position: 5 },
] as const;

export type CategoryKey = (typeof CATEGORIES)[number]["key"];

export interface CorpusArticle {
  slug: string;
  category: CategoryKey;
  title: string;
  body: string;
  locale?: string;
  status?: "draft" | "published";
}

export const ARTICLES: CorpusArticle[] = [
  {
    slug: "reset-your-password",
    category: "accounts",
    title: "Reset your password",
    body: "If you forgot your password, choose “Forgot password?” on the sign-in page. We send a reset link to your email address; it expires after 24 hours.\n\nOpen the link, enter a new password twice and sign in again.",
  },
  {
    slug: "change-your-password",
    category: "accounts",
    title: "Change your password",
    body: "Signed in, open Settings > Security and choose Change password. Enter your current password, then the new one. Other devices are signed out.",
  },
  {
    slug: "two-factor-authentication",
    category: "accounts",
    title: "Enable two-factor authentication",
    body: "Two-factor authentication protects your account even if someone learns your password. Install an authenticator app, scan the QR code under Settings > Security and enter the six-digit code.",
  },
  {
    slug: "unlock-a-locked-account",
    category: "accounts",
    title: "Unlock a locked account",
    body: "After five failed sign-in attempts your account is locked for 15 minutes. Wait, then sign in again. If you no longer know your password, reset it with the “Forgot password?” link.",
  },
  {
    slug: "update-billing-address",
    category: "billing",
    title: "Update your billing address",
    body: "Admins change the billing address under Settings > Billing. The new address appears on the next invoice; past invoices keep the old one.",
  },
  {
    slug: "download-invoices",
    category: "billing",
    title: "Download invoices & receipts",
    body: "Every invoice is listed under Settings > Billing > History. Choose Download to get a PDF. Receipts for card payments are sent by email.",
  },
  {
    slug: "refund-policy",
    category: "billing",
    title: "Refund policy",
    body: "We refund annual plans within 30 days of purchase. Monthly plans are not refunded, but you can cancel at any time. Contact billing to request a refund.",
  },
  {
    slug: "change-subscription-plan",
    category: "billing",
    title: "Change your subscription plan",
    body: "Upgrade or downgrade under Settings > Billing > Plan. Upgrades take effect at once and the difference is charged on a prorated invoice; downgrades apply at the next renewal.",
  },
  {
    slug: "printer-shows-offline",
    category: "printing",
    title: "Printer shows offline",
    body: "When a printer shows offline, restart the printer and your computer. Check the network cable or the Wi-Fi connection of the printer, then remove and add the printer again.",
  },
  {
    slug: "clear-a-paper-jam",
    category: "printing",
    title: "Clear a paper jam",
    body: "Turn the printer off. Open the front cover and the paper tray, pull the jammed paper out slowly with both hands, close the covers and turn the printer on.",
  },
  {
    slug: "install-printer-drivers",
    category: "printing",
    title: "Install printer drivers on Windows",
    body: "Download the drivers for your printer model from the vendor's site, run the installer and restart Windows. Windows Update installs basic drivers automatically.",
  },
  {
    slug: "scan-to-email",
    category: "printing",
    title: "Scan documents to email",
    body: "On the scanner's panel choose Scan to Email, enter the address and press Start. The scanner sends the document as a PDF attachment through the office mail server.",
  },
  {
    slug: "email-on-your-phone",
    category: "email",
    title: "Set up email on your phone",
    body: "Add an account in your phone's mail app with IMAP for incoming and SMTP for outgoing mail. Use your full email address as the user name.",
  },
  {
    slug: "email-not-syncing",
    category: "email",
    title: "Email is not syncing",
    body: "If Outlook shows old messages only, check that it is not in offline mode (Send/Receive > Work Offline). Then restart Outlook and let it sync.",
  },
  {
    slug: "recover-deleted-emails",
    category: "email",
    title: "Recover deleted emails",
    body: "Deleted emails stay in the Trash folder for 30 days. Open Trash, select the messages and choose Restore to move them back to the inbox.",
  },
  {
    slug: "connect-to-the-vpn",
    category: "network",
    title: "Connect to the VPN",
    body: "Install the VPN client, sign in with your company email address and password, and confirm the two-factor prompt. The VPN is required for internal sites.",
  },
  {
    slug: "wifi-keeps-disconnecting",
    category: "network",
    title: "Wi-Fi keeps disconnecting",
    body: "Move closer to the router, forget the network and join it again. Updating the Wi-Fi drivers of your laptop often helps.",
  },
  {
    slug: "slow-internet-connection",
    category: "network",
    title: "Slow internet connection",
    body: "Run a speed test. If it is far below your plan, restart the router and connect with a cable to rule out Wi-Fi interference.",
  },
  {
    slug: "password-policy",
    category: "accounts",
    title: "Password policy",
    body: "Passwords need 12 characters or more. A password is never reused: the last five passwords are remembered.",
    status: "draft",
  },
  {
    slug: "reset-your-password",
    category: "accounts",
    locale: "de",
    title: "Passwort zurücksetzen",
    body: "Wenn Sie Ihr Passwort vergessen haben, wählen Sie auf der Anmeldeseite „Passwort vergessen?“. Wir senden Ihnen einen Link, der 24 Stunden gültig ist.",
  },
  {
    slug: "printer-shows-offline",
    category: "printing",
    locale: "de",
    title: "Drucker ist offline",
    body: "Wenn der Drucker offline ist, starten Sie Drucker und Computer neu und prüfen Sie das Netzwerkkabel oder die WLAN-Verbindung.",
  },
];

/** What seeding returns: ids by category key and by `slug` / `slug@locale`. */
export interface SeededCorpus {
  categoryIds: Record<CategoryKey, number>;
  articleIds: Record<string, number>;
}

/** Creates the corpus as an agent, through the plugin's routes. */
export async function seedCorpus(agent: FaqClient): Promise<SeededCorpus> {
  const categoryIds = {} as Record<CategoryKey, number>;
  for (const c of CATEGORIES) categoryIds[c.key] = (await ok(agent.post("create_category", { body: { name: c.name, position: c.position } }))).id;
  const articleIds: Record<string, number> = {};
  for (const a of ARTICLES) {
    const created = await ok(
      agent.post("create_article", {
        body: { slug: a.slug, title: a.title, body: a.body, category_id: categoryIds[a.category], locale: a.locale ?? "en", status: a.status ?? "published" },
      }),
    );
    articleIds[a.locale && a.locale !== "en" ? `${a.slug}@${a.locale}` : a.slug] = created.id;
  }
  return { categoryIds, articleIds };
}
