/**
 * Who may talk to the console: whoever holds the one-time token printed with its URL (as notebook
 * servers do). The token is exchanged for an HttpOnly, SameSite=Strict cookie on first visit, and
 * the Host header must name the console itself (a page elsewhere cannot reach it through a
 * rebinding DNS name).
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** A fresh token: 32 random bytes, hex. */
export function newToken(): string {
  return randomBytes(32).toString("hex");
}

export function cookieName(port: number): string {
  return `iac_console_${port}`;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token a request carries: `?token=`, `Authorization: Bearer`, or the cookie. */
export function tokenOf(req: IncomingMessage, url: URL, port: number): { readonly token?: string; readonly from: "query" | "header" | "cookie" | "none" } {
  const q = url.searchParams.get("token");
  if (q) return { token: q, from: "query" };
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) return { token: auth.slice(7).trim(), from: "header" };
  const name = cookieName(port);
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return { token: v.join("="), from: "cookie" };
  }
  return { from: "none" };
}

export function validToken(given: string | undefined, expected: string): boolean {
  return given !== undefined && same(given, expected);
}

/** Whether the Host header names this server (loopback names, or the `--host` given). */
export function hostAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  const host = (req.headers.host ?? "").toLowerCase();
  return allowed.includes(host);
}
