/**
 * What the emulated notification-controller (notification.ts) sends: Flux's event payload, and the
 * request each emulated Provider type makes of it, in the shapes notification-controller v1.9.3's
 * notifiers send (internal/notifier: forwarder.go, slack.go, teams.go).
 */
import { createHmac } from "node:crypto";

/** Flux's event payload (fluxcd/pkg apis/event/v1beta1 `Event`). */
export interface FluxEvent {
  readonly involvedObject: { readonly kind: string; readonly namespace: string; readonly name: string; readonly uid?: string; readonly apiVersion: string; readonly resourceVersion?: string };
  readonly severity: "info" | "error";
  readonly timestamp: string;
  readonly message: string;
  readonly reason: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly reportingController: string;
  readonly reportingInstance?: string;
}

/** `headers` of a Provider's Secret: a YAML map of strings (one `key: value` per line). */
function headersOf(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (text ?? "").split("\n")) {
    const m = /^\s*([^:#\s][^:]*):\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]!.trim()] = m[2]!.replace(/^["']|["']$/g, "");
  }
  return out;
}

/** The request a provider type makes for an event, or a reason it cannot. */
export function providerRequest(type: string, event: FluxEvent, options: { readonly address: string; readonly secret: Readonly<Record<string, string>>; readonly spec: Readonly<Record<string, unknown>> }): { readonly body: string; readonly headers: Record<string, string> } | { readonly unsupported: string } {
  const objName = `${event.involvedObject.kind.toLowerCase()}/${event.involvedObject.name}.${event.involvedObject.namespace}`;
  const metadata = Object.entries(event.metadata ?? {});
  switch (type) {
    case "generic":
    case "generic-hmac": {
      const body = JSON.stringify(event);
      const headers: Record<string, string> = { "gotk-component": event.reportingController, ...headersOf(options.secret["headers"]) };
      if (type === "generic-hmac") {
        const key = options.secret["token"];
        if (!key) return { unsupported: "a generic-hmac Provider needs a token in its Secret (the HMAC key)" };
        headers["X-Signature"] = `sha256=${createHmac("sha256", key).update(body).digest("hex")}`;
      }
      return { body, headers };
    }
    case "slack": {
      const payload = {
        channel: String(options.spec["channel"] ?? ""),
        username: String(options.spec["username"] || event.reportingController),
        icon_url: "",
        icon_emoji: "",
        attachments: [
          {
            fallback: `${objName}: ${event.message.split("\n")[0]}`,
            color: event.severity === "error" ? "danger" : "good",
            author_name: objName,
            text: event.message,
            mrkdwn_in: ["text"],
            fields: metadata.map(([title, value]) => ({ title, value, short: false })),
          },
        ],
      };
      const token = options.secret["token"];
      return { body: JSON.stringify(payload), headers: token ? { Authorization: `Bearer ${token}` } : {} };
    }
    case "msteams": {
      const host = (() => {
        try {
          return new URL(options.address).hostname;
        } catch {
          return "";
        }
      })();
      if (host.endsWith(".webhook.office.com")) {
        const card = {
          "@type": "MessageCard",
          "@context": "http://schema.org/extensions",
          themeColor: event.severity === "error" ? "FF0000" : "0076D7",
          summary: objName,
          sections: [{ activityTitle: event.message, activitySubtitle: objName, facts: metadata.map(([name, value]) => ({ name, value })) }],
        };
        return { body: JSON.stringify(card), headers: {} };
      }
      const summary = metadata.filter(([k]) => k === "summary");
      const rest = metadata.filter(([k]) => k !== "summary").sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const facts = [...summary, ...rest].map(([title, value]) => ({ title, value }));
      const card = {
        type: "message",
        attachments: [
          {
            contentType: "application/vnd.microsoft.card.adaptive",
            content: {
              $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
              type: "AdaptiveCard",
              version: "1.4",
              body: [
                {
                  type: "Container",
                  items: [
                    { type: "TextBlock", text: objName, size: "large", weight: "bolder", wrap: true },
                    { type: "TextBlock", text: event.message, ...(event.severity === "error" ? { color: "attention" } : {}), wrap: true },
                    { type: "FactSet", ...(facts.length > 0 ? { facts } : {}) },
                  ],
                },
              ],
              msteams: { width: "Full" },
            },
          },
        ],
      };
      return { body: JSON.stringify(card), headers: {} };
    }
    default:
      return { unsupported: `the local cloud does not emulate notification Provider type ${type} (emulated: generic, generic-hmac, slack, msteams)` };
  }
}
