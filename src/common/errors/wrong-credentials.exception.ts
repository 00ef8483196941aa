import { UnauthorizedException } from '@nestjs/common';

/** A password that does not match (or an unknown or disabled account at login): a guess, counted as a failure. */
export class WrongCredentialsException extends UnauthorizedException {}
