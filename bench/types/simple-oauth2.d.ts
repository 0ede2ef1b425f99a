// simple-oauth2 5.x ships no type declarations; this covers the part the bench uses.
declare module 'simple-oauth2' {
  export interface AccessToken {
    readonly token: { access_token: string; expires_at: Date; [key: string]: unknown };
    expired(expirationWindowSeconds?: number): boolean;
  }
  export interface ModuleOptions {
    client: { id: string; secret: string };
    auth: { tokenHost: string; tokenPath?: string };
    options?: { authorizationMethod?: 'header' | 'body'; bodyFormat?: 'form' | 'json' };
  }
  export class ClientCredentials {
    constructor(options: ModuleOptions);
    getToken(params?: { scope?: string | string[] }): Promise<AccessToken>;
  }
}
