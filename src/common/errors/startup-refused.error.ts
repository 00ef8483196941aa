/** The app must not start as configured; its message is the one line the operator reads. */
export class StartupRefusedError extends Error {
  override readonly name: string = 'StartupRefusedError';
}
