/** The OAuth 2.0 token response (RFC 6749 §5.1), so Postman and OAuth clients read it as is. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}
