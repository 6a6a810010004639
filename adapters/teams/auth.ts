/**
 * Authentication through the Microsoft 365 Agents SDK (`@microsoft/agents-hosting`, the maintained
 * successor of the archived Bot Framework SDK):
 *
 *  - inbound: the SDK's `authorizeJWT` checks the `Authorization: Bearer` JWT of every request to
 *    `/api/messages` (RS256 signature against the issuer's published keys, audience = the app id,
 *    expiry, tenant binding). It is Express middleware; it is driven here with a minimal request /
 *    response shim so the bridge keeps its one `node:http` server, where the WhatsApp route reads its
 *    own raw body for Meta's signature.
 *  - outbound: the SDK's `MsalTokenProvider` gets the bot's token (client secret or certificate) for
 *    the Bot Connector (`https://api.botframework.com`).
 */
import { authorizeJWT, MsalTokenProvider, type AuthConfiguration } from '@microsoft/agents-hosting';
import type { IncomingMessage } from 'node:http';
import type { TeamsConfig } from '../../config/types.js';
import type { TokenSource } from './connector.js';

export const BOT_CONNECTOR_SCOPE = 'https://api.botframework.com';
const CONNECTION = 'serviceConnection';

export function authConfiguration(config: TeamsConfig): AuthConfiguration {
  const connection: AuthConfiguration = {
    clientId: config.appId,
    tenantId: config.tenantId,
    ...(config.appPassword ? { clientSecret: config.appPassword } : {}),
    ...(config.certPemFile ? { certPemFile: config.certPemFile } : {}),
    ...(config.certKeyFile ? { certKeyFile: config.certKeyFile } : {}),
    ...(config.authority ? { authority: config.authority } : {}),
  };
  return { ...connection, connections: new Map([[CONNECTION, connection]]), connectionsMap: [{ serviceUrl: '*', connection: CONNECTION }] };
}

export type JwtCheck = (req: IncomingMessage) => Promise<{ ok: true; claims: Record<string, unknown> } | { ok: false; status: number; reason: string }>;

/** The SDK's JWT middleware as a function of a request: accepted (with the token's claims) or refused. */
export function jwtCheck(config: TeamsConfig): JwtCheck {
  const middleware = authorizeJWT(authConfiguration(config));
  return (req) =>
    new Promise((resolve) => {
      let status = 401;
      const res = {
        status(code: number) {
          status = code;
          return res;
        },
        send(body: unknown) {
          const reason = typeof body === 'object' && body !== null ? String((body as Record<string, unknown>)['jwt-auth-error'] ?? 'unauthorized') : String(body);
          resolve({ ok: false, status, reason });
          return res;
        },
      };
      const shim = req as IncomingMessage & { user?: Record<string, unknown> };
      // An app id is always configured, so the SDK's anonymous mode never applies.
      void Promise.resolve(
        middleware(shim as never, res as never, () => resolve({ ok: true, claims: shim.user ?? {} })),
      ).catch((error: unknown) => resolve({ ok: false, status: 401, reason: (error as Error).message }));
    });
}

/**
 * The bot's token for `scope` (the Bot Connector by default; Microsoft Graph for look-backs), from
 * the SDK's MSAL provider (cached and refreshed by MSAL; it asks for `<scope>/.default`).
 */
export function msalTokenSource(config: TeamsConfig, scope = BOT_CONNECTOR_SCOPE): TokenSource {
  const settings = authConfiguration(config);
  const provider = new MsalTokenProvider(settings);
  return () => provider.getAccessToken(settings, scope);
}
